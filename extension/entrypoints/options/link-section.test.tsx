import { beforeEach, describe, expect, it } from 'vitest';
import { fakeI18n } from '../../components/ui-test-kit.js';
import { linkErrorText } from './link-section.js';

beforeEach(() => fakeI18n());

describe("linking's errors", () => {
  it("say the background's sentence without the API's code before it", () => {
    // The background rejects with "<code>: <message>", the message already in the UI language.
    expect(linkErrorText(new Error('link_limit: Unlink a browser first.'))).toBe(
      'errorPrefix(Unlink a browser first.)',
    );
    expect(linkErrorText(new Error('invalid_link_code: Not valid.'))).toBe('linkInvalidCode()');
    expect(linkErrorText(new Error('Something: else'))).toBe('errorPrefix(Something: else)');
  });
});
