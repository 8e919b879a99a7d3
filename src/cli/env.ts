/** The environment variables the CLI reads (secrets are never flags: `ps` shows flags). */

/** The mesh's shared secret. */
export const SECRET_ENV = 'MEMSYNC_SECRET';
/** The token HTTP clients of `memsync serve` must present. */
export const TOKEN_ENV = 'MEMSYNC_HTTP_TOKEN';
