// Flag value parsers: what they accept, and the one-line message for what they refuse.
import { describe, expect, it } from 'vitest';
import { CliError, UsageError } from './errors.js';
import { labelList, modelLoadOptions, nonNegativeInteger, normalization, portNumber, positiveInteger, positiveIntegerList, positiveNumber, requireDirectory } from './options.js';

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

describe('normalization', () => {
  const parse = normalization('--normalize');
  it('accepts MEAN,STD', () => {
    expect(parse('0.1307,0.3081')).toEqual({ mean: 0.1307, std: 0.3081 });
    expect(parse(' -0.5 , 2 ')).toEqual({ mean: -0.5, std: 2 });
  });
  it.each(['0.1307', '0.1,0.2,0.3', ',0.3', '0.1,', 'a,b', '0.1,0', '0.1,-1', '0.1,Infinity'])('refuses %j naming the flag', (value) => {
    expect(() => parse(value)).toThrow(UsageError);
    expect(() => parse(value)).toThrow(`--normalize must be MEAN,STD: two numbers, the second above 0, like "0.1307,0.3081", got ${JSON.stringify(value)}`);
  });
});

describe('labelList', () => {
  const parse = labelList('--labels');
  it('accepts distinct labels, trimmed', () => {
    expect(parse('cat, dog')).toEqual(['cat', 'dog']);
  });
  it.each(['one', 'a,,b', 'a,a', ''])('refuses %j naming the flag', (value) => {
    expect(() => parse(value)).toThrow(/^--labels must be a comma-separated list of at least 2 distinct, non-empty labels/);
  });
});

describe('modelLoadOptions', () => {
  it('passes on only the flags given, under the classifier option names', () => {
    expect(modelLoadOptions({})).toEqual({});
    expect(modelLoadOptions({ normalize: { mean: 0, std: 1 }, input: 'i', output: 'o', outputKind: 'logits', labels: ['a', 'b'] })).toEqual({
      normalization: { mean: 0, std: 1 },
      input: 'i',
      output: 'o',
      outputKind: 'logits',
      labels: ['a', 'b'],
    });
  });
});
