// MONGODB-AWS client over libmongodb_aws with P/Invoke (MongoDBAws.cs), OP_MSG by hand.
//
//   mcs -unsafe -out:client.exe MongoDBAws.cs Client.cs
//   mono client.exe --vectors TESTDATA [--port PORT --expect-user USER] [--expect-source SOURCE]
//   mono client.exe --e2e URI
//
// The same checks as ffi-c/bindings/python/client.py: struct sizes against C ($MONGODB_AWS_C_SIZES),
// the shared client-final vectors, misuse (NULLs, short buffers, a bad nonce, a bad host, an invalid
// time, threads); with --port an authentication to `mongodb-aws serve` with credentials from
// mongodb_aws_get_credentials and a wrong secret refused with code 18; with --expect-source only the
// fetch. Ends with "N passed, M failed".
//
// --e2e URI is the client of the end-to-end driver matrix (tests/e2e/clients.py): credentials from
// mongodb_aws_get_credentials, an authentication to the mongodb://HOST:PORT server through their
// handle, connectionStatus and a find on test.e2e, then one JSON line, {"ok": true, "user": ...,
// "db": ..., "arn": ...} or {"ok": false, "code": N, "error": ...}; exit status 0 when authenticated,
// 1 when refused (the credential cache is cleared then, as a driver does), 2 on anything else.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using MongoDBAws;

static unsafe class Client
{
    static int passed, failed;

    static bool Check(string name, bool ok, object detail = null)
    {
        if (ok) passed++; else failed++;
        Console.WriteLine(ok ? "ok     " + name : "not ok " + name + ": " + detail);
        return ok;
    }

    // ---- minimal BSON and OP_MSG ----------------------------------------------------------------
    static byte[] Bson(params object[] kv) // key, value, key, value...; byte[] is binary
    {
        var body = new MemoryStream();
        var w = new BinaryWriter(body);
        for (int i = 0; i < kv.Length; i += 2)
        {
            var key = Encoding.UTF8.GetBytes((string)kv[i] + "\0");
            object v = kv[i + 1];
            if (v is byte[]) { var b = (byte[])v; w.Write((byte)5); w.Write(key); w.Write(b.Length); w.Write((byte)0); w.Write(b); }
            else if (v is int) { w.Write((byte)0x10); w.Write(key); w.Write((int)v); }
            else { var s = Encoding.UTF8.GetBytes((string)v + "\0"); w.Write((byte)2); w.Write(key); w.Write(s.Length); w.Write(s); }
        }
        var doc = new MemoryStream();
        var d = new BinaryWriter(doc);
        d.Write((int)body.Length + 5); d.Write(body.ToArray()); d.Write((byte)0);
        return doc.ToArray();
    }

    static Dictionary<string, object> Unbson(byte[] b, int at)
    {
        var doc = new Dictionary<string, object>();
        int i = at + 4;
        while (b[i] != 0)
        {
            byte t = b[i];
            int j = Array.IndexOf(b, (byte)0, i + 1);
            string key = Encoding.UTF8.GetString(b, i + 1, j - i - 1);
            i = j + 1;
            int n;
            switch (t)
            {
                case 0x01: doc[key] = BitConverter.ToDouble(b, i); i += 8; break;
                case 0x02: n = BitConverter.ToInt32(b, i); doc[key] = Encoding.UTF8.GetString(b, i + 4, n - 1); i += 4 + n; break;
                case 0x03: case 0x04:
                    n = BitConverter.ToInt32(b, i); var sub = Unbson(b, i);
                    doc[key] = t == 4 ? (object)sub.Values.ToList() : sub; i += n; break;
                case 0x05: n = BitConverter.ToInt32(b, i); doc[key] = b.Skip(i + 5).Take(n).ToArray(); i += 5 + n; break;
                case 0x08: doc[key] = b[i] == 1; i += 1; break;
                case 0x0A: doc[key] = null; break;
                case 0x10: doc[key] = BitConverter.ToInt32(b, i); i += 4; break;
                case 0x09: case 0x11: case 0x12: doc[key] = BitConverter.ToInt64(b, i); i += 8; break;
                default: throw new Exception("BSON type " + t + " not supported here");
            }
        }
        return doc;
    }

    sealed class Wire : IDisposable
    {
        readonly TcpClient tcp;
        readonly NetworkStream s;
        int id;
        public Wire(int port, string host)
        {
            tcp = new TcpClient(host, port) { ReceiveTimeout = 20000, SendTimeout = 20000 };
            s = tcp.GetStream();
        }
        public void Dispose() { tcp.Close(); }
        public Dictionary<string, object> Command(byte[] doc)
        {
            var msg = new MemoryStream();
            var w = new BinaryWriter(msg);
            w.Write(16 + 5 + doc.Length); w.Write(++id); w.Write(0); w.Write(2013); w.Write(0); w.Write((byte)0); w.Write(doc);
            var m = msg.ToArray();
            s.Write(m, 0, m.Length);
            int len = BitConverter.ToInt32(Read(16), 0);
            return Unbson(Read(len - 16), 5);
        }
        byte[] Read(int n)
        {
            var buf = new byte[n];
            for (int got = 0; got < n;)
            {
                int k = s.Read(buf, got, n - got);
                if (k <= 0) throw new Exception("server closed the connection");
                got += k;
            }
            return buf;
        }
    }

    static ulong Now() { return (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds(); }

    static Dictionary<string, object> D(object o) { return (Dictionary<string, object>)o; }

    /// <summary>hello, saslStart, saslContinue signed by `sign`; then connectionStatus and a find on
    /// test.e2e. Returns the refusing reply, or {ok: 1.0, user, db, arn}.</summary>
    static Dictionary<string, object> Authenticate(int port, Func<Conversation, byte[], byte[]> sign, string host = "127.0.0.1")
    {
        using (var w = new Wire(port, host)) return Authenticate(w, sign);
    }

    static Dictionary<string, object> Authenticate(Wire w, Func<Conversation, byte[], byte[]> sign)
    {
        w.Command(Bson("hello", 1, "$db", "admin"));
        var nonce = new byte[32];
        using (var rng = RandomNumberGenerator.Create()) rng.GetBytes(nonce);
        var conv = new Conversation(nonce);
        var r = w.Command(Bson("saslStart", 1, "mechanism", "MONGODB-AWS", "payload", conv.ClientFirst(), "$db", "$external"));
        if (!Equals(r["ok"], 1.0)) return r;
        var final = sign(conv, (byte[])r["payload"]);
        r = w.Command(Bson("saslContinue", 1, "conversationId", (int)r["conversationId"], "payload", final, "$db", "$external"));
        if (!Equals(r["ok"], 1.0) || !Equals(r["done"], true)) return r;
        var status = w.Command(Bson("connectionStatus", 1, "$db", "admin"));
        var user = D(((List<object>)D(status["authInfo"])["authenticatedUsers"])[0]);
        var found = w.Command(Bson("find", "e2e", "limit", 1, "$db", "test"));
        var doc = D(((List<object>)D(found["cursor"])["firstBatch"])[0]);
        return new Dictionary<string, object> { { "ok", 1.0 }, { "user", user["user"] }, { "db", user["db"] }, { "arn", doc["arn"] } };
    }

    static string Json(string s) // a JSON string literal
    {
        var b = new StringBuilder("\"");
        foreach (char c in s)
        {
            if (c == '"' || c == '\\') b.Append('\\').Append(c);
            else if (c < 0x20) b.AppendFormat("\\u{0:x4}", (int)c);
            else b.Append(c);
        }
        return b.Append('"').ToString();
    }

    /// <summary>--e2e URI: one authentication, reported as tests/e2e/clients.py expects.</summary>
    static int E2e(string uri)
    {
        var u = new Uri(uri);
        OwnedCredentials owned;
        try { owned = Api.GetCredentials(); }
        catch (MongoDBAwsException e)
        {
            Console.WriteLine("{\"ok\": false, \"code\": " + e.Status + ", \"error\": " + Json(e.Message) + "}");
            return 1;
        }
        Dictionary<string, object> r;
        using (owned)
        {
            string token = Api.Info(owned).SessionToken;
            int tokenLen = token == null ? 0 : Encoding.UTF8.GetByteCount(token);
            r = Authenticate(u.Port, (conv, sf) => conv.ClientFinal(sf, Now(), owned, tokenLen), u.Host);
        }
        if (Equals(r["ok"], 0.0))
        {
            Native.mongodb_aws_clear_credential_cache(); // refused: the next attempt fetches them afresh
            object code, msg;
            r.TryGetValue("code", out code);
            r.TryGetValue("errmsg", out msg);
            Console.WriteLine("{\"ok\": false, \"code\": " + (code ?? "null") + ", \"error\": " + Json((string)msg ?? "") + "}");
            return 1;
        }
        Console.WriteLine("{\"ok\": true, \"user\": " + Json((string)r["user"]) + ", \"db\": " + Json((string)r["db"])
            + ", \"arn\": " + Json((string)r["arn"]) + "}");
        return 0;
    }

    static string Show(Dictionary<string, object> d) { return string.Join(", ", d.Select(kv => kv.Key + "=" + kv.Value)); }

    static byte[] Hex(string s)
    {
        s = s.Trim();
        var b = new byte[s.Length / 2];
        for (int i = 0; i < b.Length; i++) b[i] = Convert.ToByte(s.Substring(2 * i, 2), 16);
        return b;
    }

    static uint Final(ClientConversation* conv, byte[] sf, Credentials* creds, ulong now, byte[] out_, int cap, out UIntPtr n)
    {
        fixed (byte* s = sf, o = out_)
            return Native.mongodb_aws_client_conversation_client_final(conv, s, (UIntPtr)sf.Length, creds, now, IntPtr.Zero, out_ == null ? null : o, (UIntPtr)cap, out n);
    }

    static void BindingChecks(string testdata)
    {
        Check("version", Native.Str(Native.mongodb_aws_version()) == "0.1.0" && Native.mongodb_aws_version_number() == 256);
        string sizes = Environment.GetEnvironmentVariable("MONGODB_AWS_C_SIZES");
        if (Check("C struct sizes given ($MONGODB_AWS_C_SIZES)", !string.IsNullOrEmpty(sizes)))
        {
            var c = File.ReadAllLines(sizes).Select(l => l.Split(' ')).ToDictionary(p => p[0], p => int.Parse(p[1]));
            var mine = new Dictionary<string, int> {
                { "mongodb_aws_credentials", Marshal.SizeOf(typeof(Credentials)) },
                { "mongodb_aws_credentials_info", Marshal.SizeOf(typeof(CredentialsInfo)) },
                { "mongodb_aws_client_conversation", Marshal.SizeOf(typeof(ClientConversation)) },
                { "mongodb_aws_server_first", Marshal.SizeOf(typeof(ServerFirst)) } };
            foreach (var kv in mine) Check("sizeof " + kv.Key + " == C's", kv.Value == c[kv.Key], kv.Value);
        }
        Check("status names", Native.Str(Native.mongodb_aws_status_name(100)) == "BUFFER_TOO_SMALL" && Native.Str(Native.mongodb_aws_status_name(0)) == "OK");

        string d = Path.Combine(testdata, "vectors", "mongodb-aws-getcalleridentity");
        string json = File.ReadAllText(Path.Combine(d, "inputs.json"));
        Func<string, string> input = k => Regex.Match(json, "\"" + k + "\"\\s*:\\s*\"([^\"]*)\"").Groups[1].Value;
        Func<string, byte[]> hexFile = f => Hex(File.ReadAllText(Path.Combine(d, f)));
        byte[] sf = hexFile("server-first.bson.hex");
        ulong now = 1440938160; // 20150830T123600Z
        var conv = new Conversation(Hex(input("client_nonce_hex")));
        Check("vector: client-first", conv.ClientFirst().SequenceEqual(hexFile("client-first.bson.hex")));
        Check("vector: server-first host view, copied out", conv.ServerHost(sf) == input("host"));
        string akid = input("access_key_id"), secret = input("secret_access_key");
        byte[] without = hexFile("without-session-token/client-final.bson.hex");
        Check("vector: client-final without-session-token", conv.ClientFinal(sf, now, akid, secret, null).SequenceEqual(without));
        Check("vector: client-final with-session-token", conv.ClientFinal(sf, now, akid, secret, input("session_token"))
            .SequenceEqual(hexFile("with-session-token/client-final.bson.hex")));

        byte[] a = Encoding.UTF8.GetBytes(akid), s = Encoding.UTF8.GetBytes(secret);
        var out_ = Enumerable.Repeat((byte)0xA5, 16).ToArray();
        UIntPtr n, q;
        var raw = conv.Raw;
        fixed (byte* pa = a, ps = s)
        {
            var creds = new Credentials { AccessKeyId = (IntPtr)pa, AccessKeyIdLen = (UIntPtr)a.Length, SecretAccessKey = (IntPtr)ps, SecretAccessKeyLen = (UIntPtr)s.Length };
            uint st = Final(null, sf, &creds, now, out_, 16, out n);
            Check("NULL conversation -> NULL_ARGUMENT", st == Native.NULL_ARGUMENT, st);
            st = Final(&raw, sf, null, now, out_, 16, out n);
            Check("NULL credentials -> NULL_ARGUMENT", st == Native.NULL_ARGUMENT, st);
            st = Final(&raw, sf, &creds, now, out_, 16, out n);
            Check("short buffer -> BUFFER_TOO_SMALL with the size, nothing written",
                st == Native.BUFFER_TOO_SMALL && (int)n == without.Length && out_.All(x => x == 0xA5), st);
            st = Final(&raw, sf, &creds, now, null, 0, out q);
            Check("size query", st == Native.OK && (int)q == without.Length, st);
            st = Final(&raw, sf, &creds, ulong.MaxValue, null, 0, out q);
            Check("size query with an invalid time -> INVALID_TIME", st == Native.INVALID_TIME, st);
        }
        try { new Conversation(new byte[31]); Check("31-byte nonce -> INVALID_PARAMETER", false, "accepted"); }
        catch (MongoDBAwsException e) { Check("31-byte nonce -> INVALID_PARAMETER", e.Status == Native.INVALID_PARAMETER, e.Message); }
        try { new Conversation(Enumerable.Repeat((byte)7, 32).ToArray()).ServerHost(sf); Check("server nonce not ours -> SERVER_NONCE_MISMATCH", false, "accepted"); }
        catch (MongoDBAwsException e) { Check("server nonce not ours -> SERVER_NONCE_MISMATCH", e.Status == Native.SERVER_NONCE_MISMATCH, e.Message); }
        var host = Encoding.ASCII.GetBytes("sts..amazonaws.com");
        fixed (byte* h = host) Check("bad host -> HOST_EMPTY_LABEL", Native.mongodb_aws_sts_validate_host(h, (UIntPtr)host.Length) == Native.HOST_EMPTY_LABEL);

        // Threads: the library is thread-safe; every signature must still be the vector.
        int bad = 0;
        var threads = Enumerable.Range(0, 4).Select(_ => new Thread(() => {
            for (int i = 0; i < 50; i++)
                if (!conv.ClientFinal(sf, now, akid, secret, null).SequenceEqual(without)) Interlocked.Increment(ref bad);
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Check("4 threads x 50 client-finals equal the vector", bad == 0, bad);
    }

    static void LiveChecks(int port, string expectUser)
    {
        string envToken = Environment.GetEnvironmentVariable("AWS_SESSION_TOKEN");
        if (envToken == "") envToken = null;
        CredentialsCopy info;
        using (var owned = Api.GetCredentials())
        {
            info = Api.Info(owned);
            Check("get_credentials: from the environment", info.Source == "environment", info.Source);
            Check("get_credentials: id and token as set", info.AccessKeyId == Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID") && info.SessionToken == envToken);
            int tokenLen = info.SessionToken == null ? 0 : Encoding.UTF8.GetByteCount(info.SessionToken);
            var r = Authenticate(port, (conv, sf) => conv.ClientFinal(sf, Now(), owned, tokenLen));
            Check("authenticated through the credentials handle", r.ContainsKey("user") && (string)r["user"] == expectUser, Show(r));
        }
        string wrong = "wrong-" + Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY");
        var refused = Authenticate(port, (conv, sf) => conv.ClientFinal(sf, Now(), info.AccessKeyId, wrong, info.SessionToken));
        Check("wrong secret refused with code 18", Equals(refused["ok"], 0.0) && Equals(refused["code"], 18), Show(refused));
        Native.mongodb_aws_clear_credential_cache(); // what a driver does after a refusal
    }

    static int Main(string[] argv)
    {
        var args = new Dictionary<string, string>();
        for (int i = 0; i + 1 < argv.Length; i += 2) args[argv[i]] = argv[i + 1];
        if (args.ContainsKey("--e2e"))
        {
            try { return E2e(args["--e2e"]); }
            catch (Exception e) // anything but a refusal
            {
                Console.Error.WriteLine(e.GetType().Name + ": " + e.Message);
                return 2;
            }
        }
        if (args.ContainsKey("--expect-source"))
        {
            CredentialsCopy info;
            using (var owned = Api.GetCredentials()) info = Api.Info(owned);
            Check("get_credentials: from " + args["--expect-source"], info.Source == args["--expect-source"] && info.HasExpiration, info.Source);
        }
        else
        {
            BindingChecks(args["--vectors"]);
            if (args.ContainsKey("--port")) LiveChecks(int.Parse(args["--port"]), args["--expect-user"]);
        }
        Console.WriteLine(passed + " passed, " + failed + " failed");
        return failed == 0 ? 0 : 1;
    }
}
