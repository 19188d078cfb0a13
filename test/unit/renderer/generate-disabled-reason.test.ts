import { describe, expect, it } from 'vitest';
import { generateDisabledReason, type GenerateReadiness } from '../../../renderer/src/store/generate/store.js';

/** A draft that can be sent: every row below changes what it names. */
const ready: GenerateReadiness = {
  suspended: false,
  draftProblem: null,
  promptEmpty: false,
  previewFailed: false,
  previewCurrent: true,
  refused: false,
  submitting: false,
};

describe('generateDisabledReason: why Generate cannot be pressed', () => {
  it.each<[string, Partial<GenerateReadiness>, string | null]>([
    ['a ready draft with its current price', {}, null],
    ['a suspended account', { suspended: true }, 'This account is suspended.'],
    ['a tool that needs a source without one', { draftProblem: 'no-source' }, 'Choose a source image first.'],
    ['a seed that is not a number', { draftProblem: 'bad-seed' }, 'Fix the seed first.'],
    ['no model for the tool', { draftProblem: 'no-model' }, 'Choose a model first.'],
    ['an empty prompt', { promptEmpty: true }, 'Write a prompt first.'],
    ['a price that could not be had', { previewFailed: true }, 'The price could not be worked out.'],
    ['a price for an older draft', { previewCurrent: false }, 'Waiting for the price…'],
    ['a refused request (C7)', { refused: true }, 'Refused: see the ways out above.'],
    ['a request on its way', { submitting: true }, 'Sending…'],
  ])('%s', (_name, change, reason) => {
    expect(generateDisabledReason({ ...ready, ...change })).toBe(reason);
  });

  it.each<[string, Partial<GenerateReadiness>, string]>([
    [
      'suspension before every draft problem',
      { suspended: true, draftProblem: 'no-model', promptEmpty: true, submitting: true },
      'This account is suspended.',
    ],
    [
      'a draft problem before an empty prompt',
      { draftProblem: 'no-source', promptEmpty: true },
      'Choose a source image first.',
    ],
    [
      'an empty prompt before the price',
      { promptEmpty: true, previewFailed: true, previewCurrent: false },
      'Write a prompt first.',
    ],
    [
      'a failed price before a stale one',
      { previewFailed: true, previewCurrent: false },
      'The price could not be worked out.',
    ],
    [
      'waiting for the price before a refusal of an older draft',
      { previewCurrent: false, refused: true },
      'Waiting for the price…',
    ],
    ['a refusal before sending', { refused: true, submitting: true }, 'Refused: see the ways out above.'],
  ])('the first reason wins: %s', (_name, change, reason) => {
    expect(generateDisabledReason({ ...ready, ...change })).toBe(reason);
  });
});
