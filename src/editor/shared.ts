// Helpers every node set's browser code may use. scripts/build-editor.js inlines this file ahead of each node set's
// own file, inside one function scope per <script> block, so nothing here becomes a global of the editor.

/** A Plaid access token as Plaid issues them: access-<environment>-<uuid>. */
const ACCESS_TOKEN_PATTERN = /^\s*access-[a-z]+-[0-9a-f-]{8,}/i;

/**
 * Whether a typedInput value is a literal access token: a `str` value that looks like one. Such a value is saved in
 * the flow, so an export (or a copy to the clipboard) carries it; the token belongs in context or the Item store.
 */
function isLiteralAccessToken(type: string | undefined, value: string | undefined): boolean {
  return type === 'str' && ACCESS_TOKEN_PATTERN.test(value ?? '');
}

/** Shows `row` while the typedInput `input` (with its hidden `typeField`) holds a literal access token. */
function warnOnLiteralAccessToken(input: string, typeField: string, row: string): void {
  const show = (): void => {
    $(row).toggle(isLiteralAccessToken($(typeField).val(), $(input).val()));
  };
  $(input).on('change keyup', show);
  show();
}
