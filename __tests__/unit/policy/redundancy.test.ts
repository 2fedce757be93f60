import { Testing } from 'cdktf';
import { Redundancy } from '../../../policy';
import { dockerStack } from './helpers';

describe('Redundancy', () => {
  test('is not required anywhere until a scope requires it', () => {
    const { stack, network } = dockerStack('live');
    expect([Redundancy.of(stack).required, Redundancy.of(network).required]).toEqual([false, false]);
    expect(Redundancy.of(network).reason).toBeUndefined();
  });

  test('covers the scope that requires it and everything under it, with its reason', () => {
    // GIVEN a stack that requires redundancy
    const { app, stack, network } = dockerStack('live');
    Redundancy.of(stack).require('customers reach the shop through it');
    // THEN its constructs require it too, with the same reason; another stack does not
    expect([Redundancy.of(stack).required, Redundancy.of(network).required]).toEqual([true, true]);
    expect(Redundancy.of(network).reason).toBe('customers reach the shop through it');
    expect(Redundancy.of(dockerStack('qa', app).stack).required).toBe(false);
    expect(Redundancy.of(app).required).toBe(false);
  });

  test('may be required twice, with the same reason or without one', () => {
    const { stack } = dockerStack('live');
    Redundancy.of(stack).require();
    Redundancy.of(stack).require('customers reach the shop through it');
    Redundancy.of(stack).require('customers reach the shop through it');
    Redundancy.of(stack).require();
    expect(Redundancy.of(stack).reason).toBe('customers reach the shop through it');
  });

  test('fails when required twice with two different reasons', () => {
    const { stack } = dockerStack('live');
    Redundancy.of(stack).require('customers reach the shop through it');
    expect(() => Redundancy.of(stack).require('the tier is production')).toThrow(
      'TerraformStack [live]: redundancy is already required here because "customers reach the shop through it"; give one reason, not "the tier is production" as well',
    );
  });

  test('fails when the reason is empty', () => {
    expect(() => Redundancy.of(Testing.app()).require('  ')).toThrow(
      "App []: redundancy reason \"  \" must be a sentence saying why, e.g. 'customers reach the shop through it', or left out",
    );
  });
});
