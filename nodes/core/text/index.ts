/** Plain language (en, de): formatting helpers and sentences. See format.ts, sentences.ts and andon.ts. */
export * from './format';
export * from './sentences';
export * from './andon';
