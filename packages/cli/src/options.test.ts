// Flag value parsers: what they accept, and the one-line message for what they refuse.
import { describe, expect, it } from 'vitest';
import { CliError, UsageError } from './errors.js';
import { nonNegativeInteger, portNumber, positiveInteger, positiveIntegerList, positiveNumber, requireDirectory } from './options.js';

describe('positiveInteger', () => {
  const parse = positiveInteger('--epochs');
  it('accepts digits', () => {
    expect(parse('30')).toBe(30);
    expect(parse(' 7 ')).toBe(7);
  });
  it.each(['abc', '', '0', '-5', '2.5', '1e3', '0x10', '99999999999999999999'])('refuses %j naming the flag', (value) => {
    expect(() => parse(value)).toThrow(UsageError);
    expect(() => parse(value)).toThrow(`--epochs must be a positive integer, got ${JSON.stringify(value)}`);
  });
});

describe('nonNegativeInteger', () => {
  it('accepts 0 and refuses negatives', () => {
    expect(nonNegativeInteger('--seed')('0')).toBe(0);
    expect(() => nonNegativeInteger('--seed')('-1')).toThrow('--seed must be a non-negative integer, got "-1"');
  });
});

describe('portNumber', () => {
  const parse = portNumber('--port');
  it('accepts 0 and 65535', () => {
    expect(parse('0')).toBe(0);
    expect(parse('65535')).toBe(65535);
  });
  it('refuses a port above 65535 naming the flag', () => {
    expect(() => parse('65536')).toThrow(CliError);
    expect(() => parse('65536')).toThrow('--port must be at most 65535, got 65536');
  });
  it('refuses what nonNegativeInteger refuses, with its message', () => {
    expect(() => parse('-1')).toThrow(UsageError);
    expect(() => parse('-1')).toThrow('--port must be a non-negative integer, got "-1"');
  });
});

describe('positiveNumber', () => {
  const parse = positiveNumber('--learning-rate');
  it('accepts decimals and exponents', () => {
    expect(parse('0.01')).toBe(0.01);
    expect(parse('1e-3')).toBe(0.001);
  });
  it.each(['0', '-0.1', 'NaN', 'Infinity', '', 'fast'])('refuses %j', (value) => {
    expect(() => parse(value)).toThrow(`--learning-rate must be a finite positive number, got ${JSON.stringify(value)}`);
  });
});

describe('positiveIntegerList', () => {
  const parse = positiveIntegerList('--hidden');
  it('parses comma-separated sizes', () => {
    expect(parse('300,100')).toEqual([300, 100]);
    expect(parse(' 64 ')).toEqual([64]);
  });
  it.each(['', '300,', '300,,100', '300,-1', 'a,b', '300;100', '0'])('refuses %j', (value) => {
    expect(() => parse(value)).toThrow(/^--hidden must be a comma-separated list of positive integers/);
  });
});

describe('requireDirectory', () => {
  it('names the flag and the missing directory', () => {
    expect(() => requireDirectory('--data', 'no/such/dir')).toThrow('--data: directory "no/such/dir" does not exist');
  });
  it('refuses a file', () => {
    expect(() => requireDirectory('--data', 'package.json')).toThrow('--data: "package.json" is not a directory');
  });
});
