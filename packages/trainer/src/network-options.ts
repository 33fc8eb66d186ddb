// Checks of the network options that `train` and `DNNClassifier` share, worded once.
import { ACTIVATIONS, INITIALIZERS, type Activation, type Initializer } from '@mnist/core';

/**
 * Throws RangeError unless `hiddenUnits` is a list of positive integers.
 * @example checkHiddenUnits([300, 100]);
 */
export function checkHiddenUnits(hiddenUnits: unknown): asserts hiddenUnits is number[] {
  if (!Array.isArray(hiddenUnits) || !hiddenUnits.every((n) => Number.isInteger(n) && n > 0)) {
    throw new RangeError(`hiddenUnits must be a list of positive integers, got ${JSON.stringify(hiddenUnits)}`);
  }
}

/**
 * Throws RangeError unless `activation` is one of ACTIVATIONS.
 * @example checkActivation('relu');
 */
export function checkActivation(activation: unknown): asserts activation is Activation {
  if (!ACTIVATIONS.includes(activation as Activation)) {
    throw new RangeError(`activation must be one of ${ACTIVATIONS.join(', ')}, got ${JSON.stringify(activation)}`);
  }
}

/**
 * Throws RangeError, naming `argument`, unless `initializer` is one of INITIALIZERS.
 * @example checkInitializer(spec.initializer, 'spec.initializer');
 */
export function checkInitializer(initializer: unknown, argument = 'initializer'): asserts initializer is Initializer {
  if (!INITIALIZERS.includes(initializer as Initializer)) {
    throw new RangeError(`${argument} must be one of ${INITIALIZERS.join(', ')}, got ${JSON.stringify(initializer)}`);
  }
}
