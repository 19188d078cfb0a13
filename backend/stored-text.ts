/** Text the databases cannot store as given: control characters (but tab, line feed and carriage return) and unpaired
 * surrogates. SQLite cuts a string at NUL and PostgreSQL refuses it, so such input is refused, never truncated. */
// oxlint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
export const UNSTORABLE = new RegExp(`${CONTROL.source}|${LONE_SURROGATE.source}`);
