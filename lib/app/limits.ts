/**
 * The largest body a webhook may have: every accepted request is archived whole in one DynamoDB
 * item (dynalite's and DynamoDB's limit: 400 KB, headers and all, and a body that is not UTF-8
 * is kept as base64, a third larger). A larger body is refused with 413 naming this limit, never
 * answered 503 for a write that cannot succeed (which the sender would retry for ever). Its own
 * module, so that the command line's option parser can name it without loading the API.
 */
export const MAX_BODY = 256 * 1024;
