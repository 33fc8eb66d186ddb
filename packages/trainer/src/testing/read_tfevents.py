#!/usr/bin/env python3
"""Test support: an independent reader of TensorBoard event files (stdlib only: its own CRC-32C and
protobuf decoding), so the tests check the writer against the format, not against itself.

Usage: read_tfevents.py FILE  -> JSON on stdout: {"records", "file_version", "events": [{wall_time, step, scalars: {tag: value}}]}
Exits 1 with one line on stderr at the first bad length CRC, data CRC, truncation or malformed proto.
"""
import json
import struct
import sys


def _table():
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


TABLE = _table()


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc = TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked(data):
    crc = crc32c(data)
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def varint(buf, pos):
    shift = result = 0
    while True:
        if pos >= len(buf):
            raise ValueError("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def fields(buf):
    """Yields (field number, wire type, value) of one message."""
    pos = 0
    while pos < len(buf):
        key, pos = varint(buf, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = varint(buf, pos)
        elif wire == 1:
            value, pos = buf[pos:pos + 8], pos + 8
        elif wire == 2:
            n, pos = varint(buf, pos)
            value, pos = buf[pos:pos + n], pos + n
        elif wire == 5:
            value, pos = buf[pos:pos + 4], pos + 4
        else:
            raise ValueError("unsupported wire type %d" % wire)
        if pos > len(buf):
            raise ValueError("field %d runs past its message" % field)
        yield field, wire, value


def event(buf):
    out = {"scalars": {}}
    for field, wire, value in fields(buf):
        if field == 1 and wire == 1:
            out["wall_time"] = struct.unpack("<d", value)[0]
        elif field == 2 and wire == 0:
            out["step"] = value - (1 << 64) if value >= 1 << 63 else value
        elif field == 3 and wire == 2:
            out["file_version"] = value.decode("utf-8")
        elif field == 5 and wire == 2:
            for f, w, v in fields(value):
                if f != 1 or w != 2:
                    raise ValueError("Summary field %d is not a Value" % f)
                tag = simple = None
                for vf, vw, vv in fields(v):
                    if vf == 1 and vw == 2:
                        tag = vv.decode("utf-8")
                    elif vf == 2 and vw == 5:
                        simple = struct.unpack("<f", vv)[0]
                if tag is None or simple is None:
                    raise ValueError("Summary.Value without tag or simple_value")
                out["scalars"][tag] = simple
        else:
            raise ValueError("unexpected Event field %d (wire type %d)" % (field, wire))
    return out


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    pos, events = 0, []
    while pos < len(data):
        where = "record %d at byte %d" % (len(events), pos)
        if pos + 12 > len(data):
            raise ValueError("%s: truncated header" % where)
        header = data[pos:pos + 8]
        (length,) = struct.unpack("<Q", header)
        (length_crc,) = struct.unpack("<I", data[pos + 8:pos + 12])
        if masked(header) != length_crc:
            raise ValueError("%s: bad length CRC" % where)
        body = data[pos + 12:pos + 12 + length]
        if pos + 16 + length > len(data):
            raise ValueError("%s: truncated data" % where)
        (data_crc,) = struct.unpack("<I", data[pos + 12 + length:pos + 16 + length])
        if masked(body) != data_crc:
            raise ValueError("%s: bad data CRC" % where)
        try:
            events.append(event(body))
        except ValueError as e:
            raise ValueError("%s: %s" % (where, e))
        pos += 16 + length
    return {"records": len(events), "file_version": events[0].get("file_version") if events else None, "events": events}


if __name__ == "__main__":
    try:
        print(json.dumps(read(sys.argv[1])))
    except ValueError as e:
        sys.stderr.write("%s: %s\n" % (sys.argv[1], e))
        sys.exit(1)
