/* E2E client: libmongoc (Debian libmongoc-dev), credentials from the environment.
 *
 * Usage: mongoc_client URI
 * Prints one JSON line: {"ok": true, "user": ..., "arn": ...} or {"ok": false, "code": N, "error": ...};
 * exit status 0 when authenticated, 1 when authentication failed, 2 on anything else.
 */
#include <mongoc/mongoc.h>
#include <stdio.h>

static void print_error (const bson_error_t *error)
{
   bson_t out = BSON_INITIALIZER;
   char *json;
   BSON_APPEND_BOOL (&out, "ok", false);
   BSON_APPEND_INT32 (&out, "code", (int32_t) error->code);
   BSON_APPEND_INT32 (&out, "domain", (int32_t) error->domain);
   BSON_APPEND_UTF8 (&out, "error", error->message);
   json = bson_as_relaxed_extended_json (&out, NULL);
   printf ("%s\n", json);
   bson_free (json);
   bson_destroy (&out);
}

int main (int argc, char **argv)
{
   mongoc_client_t *client;
   mongoc_collection_t *coll;
   mongoc_cursor_t *cursor;
   bson_error_t error;
   bson_t reply, filter = BSON_INITIALIZER;
   bson_t *cmd;
   const bson_t *doc;
   bson_iter_t it;
   char user[1024] = "", arn[1024] = "";
   int rc = 0;

   if (argc != 2) {
      fprintf (stderr, "usage: %s URI\n", argv[0]);
      return 2;
   }
   mongoc_init ();
   client = mongoc_client_new (argv[1]);
   if (!client) {
      fprintf (stderr, "invalid URI\n");
      return 2;
   }
   cmd = BCON_NEW ("connectionStatus", BCON_INT32 (1));
   if (!mongoc_client_command_simple (client, "admin", cmd, NULL, &reply, &error)) {
      print_error (&error);
      /* The server's AuthenticationFailed (18) comes through as the error code; libmongoc's own
       * authentication errors are MONGOC_ERROR_CLIENT_AUTHENTICATE. */
      rc = (error.code == 18 || (error.domain == MONGOC_ERROR_CLIENT && error.code == MONGOC_ERROR_CLIENT_AUTHENTICATE)) ? 1 : 2;
      goto done;
   }
   if (bson_iter_init (&it, &reply) &&
       bson_iter_find_descendant (&it, "authInfo.authenticatedUsers.0.user", &it) &&
       BSON_ITER_HOLDS_UTF8 (&it)) {
      bson_strncpy (user, bson_iter_utf8 (&it, NULL), sizeof user);
   }
   bson_destroy (&reply);
   coll = mongoc_client_get_collection (client, "test", "e2e");
   cursor = mongoc_collection_find_with_opts (coll, &filter, NULL, NULL);
   if (mongoc_cursor_next (cursor, &doc) && bson_iter_init_find (&it, doc, "arn") && BSON_ITER_HOLDS_UTF8 (&it)) {
      bson_strncpy (arn, bson_iter_utf8 (&it, NULL), sizeof arn);
   }
   if (mongoc_cursor_error (cursor, &error)) {
      print_error (&error);
      rc = 2;
   } else {
      printf ("{\"ok\": true, \"user\": \"%s\", \"arn\": \"%s\"}\n", user, arn);
   }
   mongoc_cursor_destroy (cursor);
   mongoc_collection_destroy (coll);
done:
   bson_destroy (cmd);
   mongoc_client_destroy (client);
   mongoc_cleanup ();
   return rc;
}
