/** Plain language (en, de): formatting helpers and sentences. See format.ts and sentences.ts. */
export * from './format';
export * from './sentences';
