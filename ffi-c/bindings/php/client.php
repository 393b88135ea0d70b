<?php
// MONGODB-AWS client over libmongodb_aws with PHP's FFI (MongoDBAws.php), OP_MSG by hand.
//
//   php client.php --vectors TESTDATA [--port PORT --expect-user USER] [--expect-source SOURCE]
//   php client.php --e2e URI
//
// $MONGODB_AWS_FFI_HEADER is the installed mongodb_aws_ffi.h. The same checks as the other clients
// (no threads: PHP has none), plus FFI::cdef() of the same header. Ends with "N passed, M failed".
//
// --e2e URI is the client of the end-to-end driver matrix (tests/e2e/clients.py): credentials from
// mongodb_aws_get_credentials, an authentication to the mongodb://HOST:PORT server through their
// handle, connectionStatus and a find on test.e2e, then one JSON line, {"ok": true, "user": ...,
// "db": ..., "arn": ...} or {"ok": false, "code": N, "error": ...}; exit status 0 when authenticated,
// 1 when refused (the credential cache is cleared then, as a driver does), 2 on anything else.

declare(strict_types=1);
require_once __DIR__ . '/MongoDBAws.php';

$passed = 0;
$failed = 0;
function check(string $name, bool $ok, mixed $detail = ''): bool
{
    global $passed, $failed;
    $ok ? $passed++ : $failed++;
    echo $ok ? "ok     $name\n" : "not ok $name: " . json_encode($detail, JSON_INVALID_UTF8_SUBSTITUTE) . "\n";
    return $ok;
}

// ---- minimal BSON and OP_MSG ----------------------------------------------------------------------
final class Bin
{
    public function __construct(public readonly string $bytes) {}
}

function bson(array $doc): string
{
    $body = '';
    foreach ($doc as $k => $v) {
        if ($v instanceof Bin) {
            $body .= "\x05$k\0" . pack('VC', strlen($v->bytes), 0) . $v->bytes;
        } elseif (is_int($v)) {
            $body .= "\x10$k\0" . pack('V', $v);
        } else {
            $body .= "\x02$k\0" . pack('V', strlen($v) + 1) . "$v\0";
        }
    }
    return pack('V', strlen($body) + 5) . $body . "\0";
}

function i32(string $b, int $at): int
{
    $v = unpack('V', $b, $at)[1];
    return $v >= 0x80000000 ? $v - 0x100000000 : $v;
}

function unbson(string $b): array
{
    $doc = [];
    $i = 4;
    while (ord($b[$i]) !== 0) {
        $t = ord($b[$i]);
        $j = strpos($b, "\0", $i + 1);
        $key = substr($b, $i + 1, $j - $i - 1);
        $i = $j + 1;
        switch ($t) {
            case 0x01: $doc[$key] = unpack('e', $b, $i)[1]; $i += 8; break;
            case 0x02: $n = i32($b, $i); $doc[$key] = substr($b, $i + 4, $n - 1); $i += 4 + $n; break;
            case 0x03: case 0x04:
                $n = i32($b, $i); $sub = unbson(substr($b, $i, $n));
                $doc[$key] = $t === 4 ? array_values($sub) : $sub; $i += $n; break;
            case 0x05: $n = i32($b, $i); $doc[$key] = substr($b, $i + 5, $n); $i += 5 + $n; break;
            case 0x08: $doc[$key] = ord($b[$i]) === 1; $i += 1; break;
            case 0x0A: $doc[$key] = null; break;
            case 0x10: $doc[$key] = i32($b, $i); $i += 4; break;
            case 0x09: case 0x11: case 0x12: $doc[$key] = unpack('q', $b, $i)[1]; $i += 8; break;
            default: throw new RuntimeException("BSON type $t not supported here");
        }
    }
    return $doc;
}

final class Wire
{
    private $sock;
    private int $id = 0;

    public function __construct(int $port, string $host = '127.0.0.1')
    {
        $this->sock = @stream_socket_client("tcp://$host:$port", $errno, $err, 20);
        if (!$this->sock) throw new RuntimeException("connect: $err");
        stream_set_timeout($this->sock, 20);
    }

    public function __destruct()
    {
        fclose($this->sock);
    }

    public function command(array $doc): array
    {
        $body = pack('VC', 0, 0) . bson($doc);
        fwrite($this->sock, pack('V4', 16 + strlen($body), ++$this->id, 0, 2013) . $body);
        $len = i32($this->read(16), 0);
        return unbson(substr($this->read($len - 16), 5));
    }

    private function read(int $n): string
    {
        $buf = '';
        while (strlen($buf) < $n) {
            $chunk = fread($this->sock, $n - strlen($buf));
            if ($chunk === false || $chunk === '') throw new RuntimeException('server closed the connection');
            $buf .= $chunk;
        }
        return $buf;
    }
}

/** hello, saslStart, saslContinue signed by $sign; then connectionStatus and a find on test.e2e.
 *  Returns the refusing reply, or ['ok' => 1, 'user', 'db', 'arn']. */
function authenticate(MongoDBAws $m, int $port, callable $sign, string $host = '127.0.0.1'): array
{
    $w = new Wire($port, $host);
    $w->command(['hello' => 1, '$db' => 'admin']);
    $conv = new MongoDBAwsConversation($m, random_bytes(32));
    $r = $w->command(['saslStart' => 1, 'mechanism' => 'MONGODB-AWS', 'payload' => new Bin($conv->clientFirst()), '$db' => '$external']);
    if (($r['ok'] ?? 0) != 1) return $r;
    $final = $sign($conv, $r['payload']);
    $r = $w->command(['saslContinue' => 1, 'conversationId' => $r['conversationId'], 'payload' => new Bin($final), '$db' => '$external']);
    if (($r['ok'] ?? 0) != 1 || !($r['done'] ?? false)) return $r;
    $user = $w->command(['connectionStatus' => 1, '$db' => 'admin'])['authInfo']['authenticatedUsers'][0];
    $doc = $w->command(['find' => 'e2e', 'limit' => 1, '$db' => 'test'])['cursor']['firstBatch'][0];
    return ['ok' => 1, 'user' => $user['user'], 'db' => $user['db'], 'arn' => $doc['arn']];
}

function binding_checks(MongoDBAws $m, string $testdata): void
{
    $f = $m->ffi;
    check('version', $f->mongodb_aws_version() === '0.1.0' && $f->mongodb_aws_version_number() === $f->MONGODB_AWS_VERSION_NUMBER);
    $cdef = FFI::cdef(file_get_contents(getenv('MONGODB_AWS_FFI_HEADER')), getenv('MONGODB_AWS_LIB'));
    check('FFI::cdef() of the same header', $cdef->mongodb_aws_status_name($cdef->MONGODB_AWS_SIGNATURE_MISMATCH) === 'SIGNATURE_MISMATCH');
    $sizes = getenv('MONGODB_AWS_C_SIZES');
    if (check('C struct sizes given ($MONGODB_AWS_C_SIZES)', (bool)$sizes)) {
        foreach (file($sizes, FILE_IGNORE_NEW_LINES) as $line) {
            [$name, $size] = explode(' ', $line);
            check("sizeof $name == C's", FFI::sizeof($f->type($name)) === (int)$size, FFI::sizeof($f->type($name)));
        }
    }
    check('status names', $f->mongodb_aws_status_name($f->MONGODB_AWS_BUFFER_TOO_SMALL) === 'BUFFER_TOO_SMALL' && $f->mongodb_aws_status_name(0) === 'OK');

    $d = "$testdata/vectors/mongodb-aws-getcalleridentity";
    $hex = fn(string $p) => hex2bin(trim(file_get_contents("$d/$p")));
    $inputs = json_decode(file_get_contents("$d/inputs.json"), true);
    $sf = $hex('server-first.bson.hex');
    $now = 1440938160; // 20150830T123600Z
    $conv = new MongoDBAwsConversation($m, hex2bin($inputs['client_nonce_hex']));
    check('vector: client-first', $conv->clientFirst() === $hex('client-first.bson.hex'));
    check('vector: server-first host view, copied out', $conv->serverHost($sf) === $inputs['host']);
    $expected = [];
    foreach ([[null, 'without-session-token'], [$inputs['session_token'], 'with-session-token']] as [$token, $sub]) {
        $creds = $m->credentials($inputs['access_key_id'], $inputs['secret_access_key'], $token);
        $expected[$sub] = $hex("$sub/client-final.bson.hex");
        check("vector: client-final $sub", $conv->clientFinal($sf, $now, $creds) === $expected[$sub]);
    }

    $creds = $m->credentials($inputs['access_key_id'], $inputs['secret_access_key']);
    $out = $m->bytes(str_repeat("\xA5", 16));
    $n = $f->new('size_t');
    $sfb = $m->bytes($sf);
    $final = fn($conv, $creds, $now, $out, $cap, $n) =>
        $f->mongodb_aws_client_conversation_client_final($conv, $sfb, strlen($sf), $creds, $now, null, $out, $cap, $n);
    $st = $final(null, FFI::addr($creds->struct), $now, $out, 16, FFI::addr($n));
    check('NULL conversation -> NULL_ARGUMENT', $st === $f->MONGODB_AWS_NULL_ARGUMENT, $st);
    $st = $final(FFI::addr($conv->conv), null, $now, $out, 16, FFI::addr($n));
    check('NULL credentials -> NULL_ARGUMENT', $st === $f->MONGODB_AWS_NULL_ARGUMENT, $st);
    $st = $final(FFI::addr($conv->conv), FFI::addr($creds->struct), $now, $out, 16, FFI::addr($n));
    check('short buffer -> BUFFER_TOO_SMALL with the size, nothing written',
        $st === $f->MONGODB_AWS_BUFFER_TOO_SMALL && $n->cdata === strlen($expected['without-session-token'])
        && FFI::string($out, 16) === str_repeat("\xA5", 16), $st);
    $q = $f->new('size_t');
    $st = $final(FFI::addr($conv->conv), FFI::addr($creds->struct), $now, null, 0, FFI::addr($q));
    check('size query', $st === 0 && $q->cdata === $n->cdata, $st);
    $st = $final(FFI::addr($conv->conv), FFI::addr($creds->struct), -1, null, 0, FFI::addr($q)); // -1: UINT64_MAX
    check('size query with an invalid time -> INVALID_TIME', $st === $f->MONGODB_AWS_INVALID_TIME, $st);
    try {
        new MongoDBAwsConversation($m, str_repeat("\0", 31));
        check('31-byte nonce -> INVALID_PARAMETER', false, 'accepted');
    } catch (MongoDBAwsError $e) {
        check('31-byte nonce -> INVALID_PARAMETER', $e->status === $f->MONGODB_AWS_INVALID_PARAMETER, $e->getMessage());
    }
    try {
        (new MongoDBAwsConversation($m, str_repeat("\x07", 32)))->serverHost($sf);
        check('server nonce not ours -> SERVER_NONCE_MISMATCH', false, 'accepted');
    } catch (MongoDBAwsError $e) {
        check('server nonce not ours -> SERVER_NONCE_MISMATCH', $e->status === $f->MONGODB_AWS_SERVER_NONCE_MISMATCH, $e->getMessage());
    }
    check('bad host -> HOST_EMPTY_LABEL', $f->mongodb_aws_sts_validate_host('sts..amazonaws.com', 18) === $f->MONGODB_AWS_HOST_EMPTY_LABEL);
}

function live_checks(MongoDBAws $m, int $port, string $expectUser): void
{
    $envToken = getenv('AWS_SESSION_TOKEN') ?: null;
    $owned = new MongoDBAwsOwnedCredentials($m);
    $info = $owned->info();
    check('get_credentials: from the environment', $info['source'] === 'environment', $info['source']);
    check('get_credentials: id and token as set', $info['access_key_id'] === getenv('AWS_ACCESS_KEY_ID') && $info['session_token'] === $envToken);
    $tokenLen = strlen($info['session_token'] ?? '');
    $r = authenticate($m, $port, fn($conv, $sf) => $conv->clientFinal($sf, time(), null, $owned->handle(), $tokenLen));
    check('authenticated through the credentials handle', ($r['user'] ?? null) === $expectUser, $r);
    $owned->close();
    $wrong = $m->credentials($info['access_key_id'], 'wrong-' . getenv('AWS_SECRET_ACCESS_KEY'), $info['session_token']);
    $r = authenticate($m, $port, fn($conv, $sf) => $conv->clientFinal($sf, time(), $wrong));
    check('wrong secret refused with code 18', ($r['ok'] ?? null) == 0 && ($r['code'] ?? null) === 18, $r);
    $m->ffi->mongodb_aws_clear_credential_cache(); // what a driver does after a refusal
}

/** --e2e URI: one authentication, reported as tests/e2e/clients.py expects. Returns the exit status. */
function e2e(MongoDBAws $m, string $uri): int
{
    $u = parse_url($uri);
    if (!isset($u['host'], $u['port'])) throw new RuntimeException("expected mongodb://HOST:PORT, got $uri");
    try {
        $owned = new MongoDBAwsOwnedCredentials($m);
    } catch (MongoDBAwsError $e) {
        echo json_encode(['ok' => false, 'code' => $e->status, 'error' => $e->getMessage()], JSON_UNESCAPED_SLASHES), "\n";
        return 1;
    }
    $tokenLen = strlen($owned->info()['session_token'] ?? '');
    $r = authenticate($m, $u['port'], fn($conv, $sf) => $conv->clientFinal($sf, time(), null, $owned->handle(), $tokenLen), $u['host']);
    $owned->close();
    if (($r['ok'] ?? null) == 0) {
        $m->ffi->mongodb_aws_clear_credential_cache(); // refused: the next attempt fetches them afresh
        echo json_encode(['ok' => false, 'code' => $r['code'] ?? null, 'error' => $r['errmsg'] ?? ''], JSON_UNESCAPED_SLASHES), "\n";
        return 1;
    }
    echo json_encode(['ok' => true, 'user' => $r['user'], 'db' => $r['db'], 'arn' => $r['arn']], JSON_UNESCAPED_SLASHES), "\n";
    return 0;
}

$args = [];
for ($i = 1; $i + 1 < $argc; $i += 2) $args[$argv[$i]] = $argv[$i + 1];
if (isset($args['--e2e'])) {
    try {
        exit(e2e(new MongoDBAws(), $args['--e2e']));
    } catch (Throwable $e) { // anything but a refusal
        fwrite(STDERR, get_class($e) . ': ' . $e->getMessage() . "\n");
        exit(2);
    }
}
$m = new MongoDBAws();
if (isset($args['--expect-source'])) {
    $owned = new MongoDBAwsOwnedCredentials($m);
    $info = $owned->info();
    $owned->close();
    check("get_credentials: from {$args['--expect-source']}", $info['source'] === $args['--expect-source'] && $info['has_expiration'], $info);
} else {
    binding_checks($m, $args['--vectors']);
    if (isset($args['--port'])) live_checks($m, (int)$args['--port'], $args['--expect-user']);
}
echo "$passed passed, $failed failed\n";
exit($failed === 0 ? 0 : 1);
