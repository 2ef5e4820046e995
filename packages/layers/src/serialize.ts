import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import { AttentionConfigError } from './errors.js';
import type { InitializerLike, RegularizerLike, SerializedObject } from './options.js';

type Initializer = ReturnType<typeof tfl.initializers.zeros>;
type Regularizer = ReturnType<typeof tfl.regularizers.l2>;

// tfjs-layers keeps its own (de)serializers private, so initializers and regularizers are
// resolved here through the public factories and tfjs-core's serialization map.
const INITIALIZER_FACTORIES: Record<string, () => Initializer> = {
  zeros: () => tfl.initializers.zeros(),
  ones: () => tfl.initializers.ones(),
  glorotUniform: () => tfl.initializers.glorotUniform({}),
  glorotNormal: () => tfl.initializers.glorotNormal({}),
  heUniform: () => tfl.initializers.heUniform({}),
  heNormal: () => tfl.initializers.heNormal({}),
  leCunUniform: () => tfl.initializers.leCunUniform({}),
  leCunNormal: () => tfl.initializers.leCunNormal({}),
  randomUniform: () => tfl.initializers.randomUniform({}),
  randomNormal: () => tfl.initializers.randomNormal({}),
  truncatedNormal: () => tfl.initializers.truncatedNormal({}),
};

function isSerialized(v: unknown): v is SerializedObject {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as SerializedObject).className === 'string' &&
    typeof (v as SerializedObject).config === 'object'
  );
}

function fromSerialized<T>(variant: string, option: string, v: SerializedObject, kind: string): T {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[v.className];
  if (!entry) {
    throw new AttentionConfigError(
      variant,
      option,
      `a registered tfjs ${kind} class name`,
      v.className,
    );
  }
  const [cls, fromConfig] = entry;
  return fromConfig(cls, v.config) as T;
}

export function resolveInitializer(
  variant: string,
  option: string,
  v: InitializerLike | undefined,
  fallback: string,
): Initializer {
  const value = v ?? fallback;
  if (typeof value === 'string') {
    const factory = INITIALIZER_FACTORIES[value];
    if (!factory) {
      throw new AttentionConfigError(
        variant,
        option,
        `an initializer instance, {className, config}, or one of ${Object.keys(
          INITIALIZER_FACTORIES,
        ).join(', ')}`,
        value,
      );
    }
    return factory();
  }
  if (isSerialized(value))
    return fromSerialized<Initializer>(variant, option, value, 'initializer');
  if (
    value instanceof tf.serialization.Serializable &&
    typeof (value as Initializer).apply === 'function'
  ) {
    return value as Initializer;
  }
  throw new AttentionConfigError(variant, option, 'a tfjs initializer', value);
}

export function resolveRegularizer(
  variant: string,
  option: string,
  v: RegularizerLike | undefined | null,
): Regularizer | undefined {
  if (v === undefined || v === null) return undefined;
  if (isSerialized(v)) return fromSerialized<Regularizer>(variant, option, v, 'regularizer');
  if (
    v instanceof tf.serialization.Serializable &&
    typeof (v as Regularizer).apply === 'function'
  ) {
    return v as Regularizer;
  }
  throw new AttentionConfigError(variant, option, 'a tfjs regularizer or {className, config}', v);
}

/** Keras-format `{className, config}` for a tfjs initializer or regularizer. */
export function serialize(obj: tf.serialization.Serializable | undefined): SerializedObject | null {
  if (!obj) return null;
  // Through JSON so that `undefined` fields (e.g. an unset seed) read back as they are stored.
  return { className: obj.getClassName(), config: JSON.parse(JSON.stringify(obj.getConfig())) };
}
