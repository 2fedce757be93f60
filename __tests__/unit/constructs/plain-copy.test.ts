import { TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { plainCopy } from '../../../constructs/plain-copy';

describe('plainCopy', () => {
  test('copies arrays and object literals at any depth, and keeps other objects as they are', () => {
    const variable = new TerraformVariable(new TerraformStack(Testing.app(), 'x'), 'key', { type: 'string', sensitive: true });
    const given = { names: ['a'], nested: { list: [{ port: 1 }] }, key: variable, none: undefined, n: 3 };
    const copy = plainCopy(given);
    expect(copy).toEqual(given);
    expect([copy.names === given.names, copy.nested === given.nested, copy.nested.list[0] === given.nested.list[0]]).toEqual([false, false, false]);
    expect(copy.key).toBe(variable);
    given.nested.list[0].port = 2;
    expect(copy.nested.list[0].port).toBe(1);
  });
});
