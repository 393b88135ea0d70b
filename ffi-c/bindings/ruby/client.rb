# frozen_string_literal: true

# MONGODB-AWS client over libmongodb_aws with Ruby-FFI (mongodb_aws.rb), OP_MSG by hand.
#
#   ruby client.rb --vectors TESTDATA [--port PORT --expect-user USER] [--expect-source SOURCE]
#   ruby client.rb --e2e URI
#
# The same checks as ffi-c/bindings/python/client.py: struct sizes against C ($MONGODB_AWS_C_SIZES),
# the shared client-final vectors, misuse (NULLs, short buffers, a bad nonce, a bad host, an invalid
# time, threads); with --port an authentication to `mongodb-aws serve` with credentials from
# mongodb_aws_get_credentials and a wrong secret refused with code 18; with --expect-source only the
# fetch. Ends with "N passed, M failed".
#
# --e2e URI is the client of the end-to-end driver matrix (tests/e2e/clients.py): credentials from
# mongodb_aws_get_credentials, an authentication to the mongodb://HOST:PORT server through their handle,
# connectionStatus and a find on test.e2e, then one JSON line, {"ok": true, "user": ..., "db": ...,
# "arn": ...} or {"ok": false, "code": N, "error": ...}; exit status 0 when authenticated, 1 when
# refused (the credential cache is cleared then, as a driver does), 2 on anything else.
require 'json'
require 'securerandom'
require 'socket'
require 'uri'
require_relative 'mongodb_aws'

M = MongoDBAws
$passed = 0
$failed = 0

def check(name, ok, detail = '')
  ok ? $passed += 1 : $failed += 1
  puts(ok ? "ok     #{name}" : "not ok #{name}: #{detail}")
  ok
end

# ---- minimal BSON and OP_MSG ---------------------------------------------------------------------
def bson(doc)
  body = doc.map do |k, v|
    key = "#{k}\0".b
    case v
    when Integer then "\x10".b + key + [v].pack('l<')
    when Array then "\x05".b + key + [v[0].bytesize, 0].pack('l<C') + v[0] # [bytes] = binary
    else "\x02".b + key + [v.bytesize + 1].pack('l<') + v.b + "\0"
    end
  end.join.b
  [body.bytesize + 5].pack('l<') + body + "\0"
end

def unbson(b)
  doc = {}
  i = 4
  while b.getbyte(i) != 0
    t = b.getbyte(i)
    j = b.index("\0", i + 1)
    key = b[(i + 1)...j].force_encoding('UTF-8')
    i = j + 1
    case t
    when 0x01 then doc[key] = b[i, 8].unpack1('E'); i += 8
    when 0x02 then n = b[i, 4].unpack1('l<'); doc[key] = b[i + 4, n - 1].force_encoding('UTF-8'); i += 4 + n
    when 0x03, 0x04
      n = b[i, 4].unpack1('l<'); sub = unbson(b[i, n]); doc[key] = t == 4 ? sub.values : sub; i += n
    when 0x05 then n = b[i, 4].unpack1('l<'); doc[key] = b[i + 5, n]; i += 5 + n
    when 0x08 then doc[key] = b.getbyte(i) == 1; i += 1
    when 0x0A then doc[key] = nil
    when 0x10 then doc[key] = b[i, 4].unpack1('l<'); i += 4
    when 0x09, 0x11, 0x12 then doc[key] = b[i, 8].unpack1('q<'); i += 8
    else raise "BSON type #{t} not supported here"
    end
  end
  doc
end

class Wire
  attr_reader :sock

  def initialize(port, host = '127.0.0.1')
    @sock = TCPSocket.new(host, port)
    @id = 0
  end

  def command(doc)
    @id += 1
    body = [0, 0].pack('L<C') + bson(doc)
    @sock.write([16 + body.bytesize, @id, 0, 2013].pack('l<4') + body)
    len = read(16).unpack1('l<')
    unbson(read(len - 16)[5..])
  end

  def read(n)
    buf = ''.b
    while buf.bytesize < n
      chunk = @sock.read(n - buf.bytesize)
      raise 'server closed the connection' if chunk.nil? || chunk.empty?

      buf << chunk
    end
    buf
  end
end

# hello, saslStart, saslContinue signed by the block; then connectionStatus and a find on test.e2e.
# Returns the refusing reply, or { 'ok' => 1, 'user', 'db', 'arn' }.
def authenticate(port, host = '127.0.0.1')
  w = Wire.new(port, host)
  w.command({ 'hello' => 1, '$db' => 'admin' })
  conv = M::Conversation.new(SecureRandom.bytes(32))
  r = w.command({ 'saslStart' => 1, 'mechanism' => 'MONGODB-AWS', 'payload' => [conv.client_first], '$db' => '$external' })
  return r unless r['ok'] == 1

  final = yield(conv, r['payload'])
  r = w.command({ 'saslContinue' => 1, 'conversationId' => r['conversationId'], 'payload' => [final], '$db' => '$external' })
  return r unless r['ok'] == 1 && r['done']

  user = w.command({ 'connectionStatus' => 1, '$db' => 'admin' })['authInfo']['authenticatedUsers'][0]
  doc = w.command({ 'find' => 'e2e', 'limit' => 1, '$db' => 'test' })['cursor']['firstBatch'][0]
  { 'ok' => 1, 'user' => user['user'], 'db' => user['db'], 'arn' => doc['arn'] }
ensure
  w&.sock&.close
end

def call_final(conv, sf, creds, now, out, cap, n)
  M.mongodb_aws_client_conversation_client_final(conv, sf, sf.size, creds, now, nil, out, cap, n)
end

def binding_checks(testdata)
  check('version', M.mongodb_aws_version == '0.1.0' && M.mongodb_aws_version_number == 256)
  sizes = ENV['MONGODB_AWS_C_SIZES']
  if check('C struct sizes given ($MONGODB_AWS_C_SIZES)', sizes)
    c = File.readlines(sizes).to_h { |l| a, b = l.split; [a, b.to_i] }
    M::STRUCTS.each { |name, cls| check("sizeof #{name} == C's", cls.size == c[name], cls.size) }
  end
  check('status names', M.mongodb_aws_status_name(100) == 'BUFFER_TOO_SMALL' && M.mongodb_aws_status_name(0) == 'OK')

  d = File.join(testdata, 'vectors', 'mongodb-aws-getcalleridentity')
  hex = ->(f) { [File.read(File.join(d, f)).strip].pack('H*') }
  inputs = JSON.parse(File.read(File.join(d, 'inputs.json')))
  sf = hex.call('server-first.bson.hex')
  now = 1_440_938_160 # 20150830T123600Z
  conv = M::Conversation.new([inputs['client_nonce_hex']].pack('H*'))
  check('vector: client-first', conv.client_first == hex.call('client-first.bson.hex'))
  check('vector: server-first host view, copied out', conv.server_host(sf) == inputs['host'])
  expected = {}
  [[nil, 'without-session-token'], [inputs['session_token'], 'with-session-token']].each do |token, sub|
    creds = M::Credentials.of(inputs['access_key_id'], inputs['secret_access_key'], token)
    expected[sub] = hex.call("#{sub}/client-final.bson.hex")
    check("vector: client-final #{sub}", conv.client_final(sf, now, creds: creds) == expected[sub])
  end

  creds = M::Credentials.of(inputs['access_key_id'], inputs['secret_access_key'])
  out = M.bytes("\xA5".b * 16)
  n = FFI::MemoryPointer.new(:size_t)
  sfp = M.bytes(sf)
  st = call_final(nil, sfp, creds, now, out, 16, n)
  check('NULL conversation -> NULL_ARGUMENT', st == M::NULL_ARGUMENT, st)
  st = call_final(conv.conv, sfp, nil, now, out, 16, n)
  check('NULL credentials -> NULL_ARGUMENT', st == M::NULL_ARGUMENT, st)
  st = call_final(conv.conv, sfp, creds, now, out, 16, n)
  check('short buffer -> BUFFER_TOO_SMALL with the size, nothing written',
        st == M::BUFFER_TOO_SMALL && n.read(:size_t) == expected['without-session-token'].bytesize &&
        out.read_bytes(16) == "\xA5".b * 16, st)
  q = FFI::MemoryPointer.new(:size_t)
  st = call_final(conv.conv, sfp, creds, now, nil, 0, q)
  check('size query', st == M::OK && q.read(:size_t) == n.read(:size_t), st)
  st = call_final(conv.conv, sfp, creds, 2**64 - 1, nil, 0, q)
  check('size query with an invalid time -> INVALID_TIME', st == M::INVALID_TIME, st)
  begin
    M::Conversation.new("\0" * 31)
    check('31-byte nonce -> INVALID_PARAMETER', false, 'accepted')
  rescue M::Error => e
    check('31-byte nonce -> INVALID_PARAMETER', e.status == M::INVALID_PARAMETER, e)
  end
  begin
    M::Conversation.new("\x07" * 32).server_host(sf)
    check('server nonce not ours -> SERVER_NONCE_MISMATCH', false, 'accepted')
  rescue M::Error => e
    check('server nonce not ours -> SERVER_NONCE_MISMATCH', e.status == M::SERVER_NONCE_MISMATCH, e)
  end
  host = 'sts..amazonaws.com'
  check('bad host -> HOST_EMPTY_LABEL', M.mongodb_aws_sts_validate_host(M.bytes(host), host.bytesize) == M::HOST_EMPTY_LABEL)

  bad = Queue.new
  4.times.map do
    Thread.new { 50.times { bad << 1 unless conv.client_final(sf, now, creds: creds) == expected['without-session-token'] } }
  end.each(&:join)
  check('4 threads x 50 client-finals equal the vector', bad.empty?, bad.size)
end

def live_checks(port, expect_user)
  env_token = ENV['AWS_SESSION_TOKEN'].to_s.empty? ? nil : ENV['AWS_SESSION_TOKEN']
  owned = M::OwnedCredentials.new
  info = owned.info
  check('get_credentials: from the environment', info[:source] == 'environment', info[:source])
  check('get_credentials: id and token as set', info[:access_key_id] == ENV['AWS_ACCESS_KEY_ID'] && info[:session_token] == env_token)
  token_len = info[:session_token].to_s.bytesize
  r = authenticate(port) { |conv, sf| conv.client_final(sf, Time.now.to_i, handle: owned.handle, token_len: token_len) }
  check('authenticated through the credentials handle', r['user'] == expect_user, r)
  owned.close
  wrong = M::Credentials.of(info[:access_key_id], "wrong-#{ENV['AWS_SECRET_ACCESS_KEY']}", info[:session_token])
  r = authenticate(port) { |conv, sf| conv.client_final(sf, Time.now.to_i, creds: wrong) }
  check('wrong secret refused with code 18', r['ok'] == 0 && r['code'] == 18, r)
  M.mongodb_aws_clear_credential_cache # what a driver does after a refusal
end

# --e2e URI: one authentication, reported as tests/e2e/clients.py expects. Returns the exit status.
def e2e(uri)
  u = URI.parse(uri)
  begin
    owned = M::OwnedCredentials.new
  rescue M::Error => e
    puts JSON.generate({ ok: false, code: e.status, error: e.message })
    return 1
  end
  token_len = owned.info[:session_token].to_s.bytesize
  r = authenticate(u.port, u.host) { |conv, sf| conv.client_final(sf, Time.now.to_i, handle: owned.handle, token_len: token_len) }
  owned.close
  if r['ok'] == 0
    M.mongodb_aws_clear_credential_cache # refused: the next attempt fetches them afresh
    puts JSON.generate({ ok: false, code: r['code'], error: r['errmsg'].to_s })
    return 1
  end
  puts JSON.generate({ ok: true, user: r.fetch('user'), db: r.fetch('db'), arn: r.fetch('arn') })
  0
end

args = ARGV.each_slice(2).to_h
if args['--e2e']
  begin
    exit(e2e(args['--e2e']))
  rescue StandardError => e # anything but a refusal
    warn "#{e.class}: #{e.message}"
    exit(2)
  end
elsif args['--expect-source']
  owned = M::OwnedCredentials.new
  info = owned.info
  owned.close
  check("get_credentials: from #{args['--expect-source']}", info[:source] == args['--expect-source'] && info[:has_expiration], info)
else
  binding_checks(args.fetch('--vectors'))
  live_checks(args['--port'].to_i, args['--expect-user']) if args['--port']
end
puts "#{$passed} passed, #{$failed} failed"
exit($failed.zero? ? 0 : 1)
