<?php
// libmongodb_aws through PHP's FFI: the pattern for a PHP driver.
//
// The declarations come from the installed include/mongodb_aws_ffi.h (mongodb_aws.h without
// preprocessor; its FFI_LIB names the installed library), loaded as is by FFI::load(). Every
// constant is an enumerator there ($ffi->MONGODB_AWS_OK), every status a uint32_t (a PHP int),
// every flag a uint8_t: no bool, no enum type.
//
// Memory: PHP strings are passed only where the header says const char * (PHP converts them for
// the call and nothing else). Bytes (const uint8_t *) and outputs go through FFI::new("uint8_t[n]"):
// a buffer PHP owns and frees when its last reference goes, so keep it in a variable while the
// library's views point into it (server-first host, credential fields), and copy out with
// FFI::string($ptr, $len) before it goes.

declare(strict_types=1);

final class MongoDBAwsError extends RuntimeException
{
    public function __construct(public readonly int $status, public readonly string $name, string $message)
    {
        parent::__construct($message, $status);
    }
}

final class MongoDBAws
{
    public const CLIENT_FINAL_MAX_LEN = 682; // also $ffi->MONGODB_AWS_CLIENT_FINAL_MAX_LEN

    public readonly FFI $ffi;

    public function __construct(?string $header = null)
    {
        $header ??= getenv('MONGODB_AWS_FFI_HEADER') ?: '/usr/local/include/mongodb_aws_ffi.h';
        $this->ffi = FFI::load($header);
    }

    public function check(int $status, string $what): void
    {
        if ($status !== $this->ffi->MONGODB_AWS_OK) {
            $name = $this->ffi->mongodb_aws_status_name($status);
            throw new MongoDBAwsError($status, $name, "$what: $name: " . $this->ffi->mongodb_aws_status_str($status));
        }
    }

    /** An owned uint8_t copy of a PHP string (alive as long as the returned CData is referenced). */
    public function bytes(string $s): FFI\CData
    {
        $buf = $this->ffi->new('uint8_t[' . max(strlen($s), 1) . ']');
        FFI::memcpy($buf, $s, strlen($s));
        return $buf;
    }

    /** mongodb_aws_credentials over owned copies of the strings, kept alive beside the struct. */
    public function credentials(string $akid, string $secret, ?string $token = null): MongoDBAwsCredentials
    {
        $c = $this->ffi->new('mongodb_aws_credentials');
        $keep = [$this->bytes($akid), $this->bytes($secret), $token === null ? null : $this->bytes($token)];
        $c->access_key_id = FFI::cast('const char *', FFI::addr($keep[0][0]));
        $c->access_key_id_len = strlen($akid);
        $c->secret_access_key = FFI::cast('const char *', FFI::addr($keep[1][0]));
        $c->secret_access_key_len = strlen($secret);
        if ($token !== null) {
            $c->session_token = FFI::cast('const char *', FFI::addr($keep[2][0]));
            $c->session_token_len = strlen($token);
        }
        return new MongoDBAwsCredentials($c, $keep);
    }
}

/** A mongodb_aws_credentials struct and the buffers its pointers point into (freed together). */
final class MongoDBAwsCredentials
{
    public function __construct(public readonly FFI\CData $struct, private readonly array $keep) {}
}

/** mongodb_aws_get_credentials' result, freed (and wiped) by close() or when unreferenced. */
final class MongoDBAwsOwnedCredentials
{
    private ?FFI\CData $ptr;

    public function __construct(private MongoDBAws $m)
    {
        $f = $m->ffi;
        $out = $f->new('mongodb_aws_owned_credentials *');
        $st = $f->mongodb_aws_get_credentials(FFI::addr($out));
        if ($st !== $f->MONGODB_AWS_OK) {
            $msg = $f->new('uint8_t[2048]');
            $n = $f->new('size_t');
            $f->mongodb_aws_last_error_message($msg, 2048, FFI::addr($n)); // this thread's last error
            $m->check($st, 'get_credentials: ' . FFI::string($msg, $n->cdata));
        }
        $this->ptr = $out;
    }

    /** Copies of the views (valid after close). */
    public function info(): array
    {
        $f = $this->m->ffi;
        $i = $f->new('mongodb_aws_credentials_info');
        $this->m->check($f->mongodb_aws_owned_credentials_info($this->ptr, FFI::addr($i)), 'owned_credentials_info');
        $c = $i->credentials;
        return [
            'access_key_id' => FFI::string($c->access_key_id, $c->access_key_id_len),
            'session_token' => $i->has_session_token === 1 ? FFI::string($c->session_token, $c->session_token_len) : null,
            'source' => $f->mongodb_aws_source_name($i->source),
            'has_expiration' => $i->has_expiration === 1,
        ];
    }

    /** Signs without a copy; valid until close(). */
    public function handle(): FFI\CData
    {
        return $this->m->ffi->mongodb_aws_owned_credentials_handle($this->ptr);
    }

    public function close(): void
    {
        if ($this->ptr !== null) {
            $this->m->ffi->mongodb_aws_owned_credentials_free($this->ptr);
            $this->ptr = null;
        }
    }

    public function __destruct()
    {
        $this->close();
    }
}

/** One conversation: the 32-byte struct is a CData this object owns. */
final class MongoDBAwsConversation
{
    public readonly FFI\CData $conv;

    public function __construct(private MongoDBAws $m, string $nonce)
    {
        $this->conv = $m->ffi->new('mongodb_aws_client_conversation');
        $m->check($m->ffi->mongodb_aws_client_conversation_init(FFI::addr($this->conv), $m->bytes($nonce), strlen($nonce)),
            'conversation_init');
    }

    public function clientFirst(): string
    {
        $f = $this->m->ffi;
        $out = $f->new('uint8_t[' . $f->MONGODB_AWS_CLIENT_FIRST_LEN . ']');
        $n = $f->new('size_t');
        $this->m->check($f->mongodb_aws_client_conversation_client_first(FFI::addr($this->conv), $out, FFI::sizeof($out), FFI::addr($n)),
            'client_first');
        return FFI::string($out, $n->cdata);
    }

    /** Validates server-first; the host view points into $sf, copied out while $sf is alive. */
    public function serverHost(string $serverFirst): string
    {
        $f = $this->m->ffi;
        $sf = $this->m->bytes($serverFirst);
        $view = $f->new('mongodb_aws_server_first');
        $this->m->check($f->mongodb_aws_client_conversation_parse_server_first(FFI::addr($this->conv), $sf, strlen($serverFirst), FFI::addr($view)),
            'parse_server_first');
        return FFI::string($view->host, $view->host_len);
    }

    /** Signs with $creds or $handle (then give its token's length): one call. */
    public function clientFinal(string $serverFirst, int $now, ?MongoDBAwsCredentials $creds = null, ?FFI\CData $handle = null, int $tokenLen = 0): string
    {
        $f = $this->m->ffi;
        $sf = $this->m->bytes($serverFirst);
        if ($creds !== null) {
            $tokenLen = $creds->struct->session_token_len;
        }
        $cap = MongoDBAws::CLIENT_FINAL_MAX_LEN + $tokenLen;
        $out = $f->new("uint8_t[$cap]");
        $n = $f->new('size_t');
        $st = $handle !== null
            ? $f->mongodb_aws_client_conversation_client_final_with_handle(FFI::addr($this->conv), $sf, strlen($serverFirst), $handle, $now, null, $out, $cap, FFI::addr($n))
            : $f->mongodb_aws_client_conversation_client_final(FFI::addr($this->conv), $sf, strlen($serverFirst), FFI::addr($creds->struct), $now, null, $out, $cap, FFI::addr($n));
        $this->m->check($st, 'client_final');
        return FFI::string($out, $n->cdata);
    }
}
