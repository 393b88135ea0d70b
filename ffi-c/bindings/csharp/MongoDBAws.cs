// libmongodb_aws through P/Invoke: the pattern for a C# driver (include/mongodb_aws.h is the
// reference for every function and rule). Builds with Mono's mcs (-unsafe) and any .NET.
//
// Marshalling rules of the ABI, and the traps they avoid:
// - Every status is a uint32_t (uint), every flag a uint8_t (byte): the ABI has no bool, because
//   C# marshals bool as a 4-byte BOOL, which would shift every later field of a struct. Keep it
//   that way: never declare a field or parameter of these structs as bool.
// - size_t is UIntPtr, pointers are IntPtr or byte*, uint64_t is ulong.
// - Returned strings (const char *) are static: declare them IntPtr and copy with
//   Marshal.PtrToStringAnsi. A `string` return type would make the marshaller free() them.
// - Views the library returns (server-first host, credential fields) point into the caller's
//   buffer or a library object. A byte[] may move when the GC compacts, so pin it with `fixed`
//   for the call AND the copy-out, and copy out before the block ends. Objects the library
//   allocates are SafeHandles, released by Dispose or the finalizer; GC.KeepAlive an object whose
//   inner pointer (the credentials handle) is in use.
using System;
using System.Runtime.InteropServices;
using System.Text;

namespace MongoDBAws
{
    [StructLayout(LayoutKind.Sequential)]
    public struct Credentials
    {
        public IntPtr AccessKeyId;
        public UIntPtr AccessKeyIdLen;
        public IntPtr SecretAccessKey;
        public UIntPtr SecretAccessKeyLen;
        public IntPtr SessionToken;
        public UIntPtr SessionTokenLen;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct CredentialsInfo
    {
        public Credentials Credentials;
        public ulong ExpirationUnix;
        public uint Source;
        public byte HasSessionToken; // uint8_t 0/1: not bool
        public byte HasExpiration;
        public byte FromCache;
    }

    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct ClientConversation
    {
        public fixed byte Nonce[32];
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct ServerFirst
    {
        public IntPtr ServerNonce;
        public IntPtr Host;
        public UIntPtr HostLen;
        public IntPtr Region;
        public UIntPtr RegionLen;
    }

    /// <summary>The credentials of mongodb_aws_get_credentials, freed (and wiped) by Dispose.</summary>
    public sealed class OwnedCredentials : SafeHandle
    {
        private OwnedCredentials() : base(IntPtr.Zero, true) { }
        public override bool IsInvalid { get { return handle == IntPtr.Zero; } }
        protected override bool ReleaseHandle()
        {
            Native.mongodb_aws_owned_credentials_free(handle);
            return true;
        }
    }

    public static unsafe class Native
    {
        const string Lib = "mongodb_aws"; // libmongodb_aws.so on the loader's path

        public const uint OK = 0, NULL_ARGUMENT = 1, BUFFER_TOO_SMALL = 100, INVALID_TIME = 110,
            INVALID_PARAMETER = 114, SERVER_NONCE_MISMATCH = 308, HOST_EMPTY_LABEL = 312;
        public const int CLIENT_FIRST_LEN = 52;
        public const int CLIENT_FINAL_MAX_LEN = 682; // + the session token's length: always enough

        [DllImport(Lib)] public static extern IntPtr mongodb_aws_version();
        [DllImport(Lib)] public static extern uint mongodb_aws_version_number();
        [DllImport(Lib)] public static extern IntPtr mongodb_aws_status_name(uint status);
        [DllImport(Lib)] public static extern IntPtr mongodb_aws_status_str(uint status);
        [DllImport(Lib)] public static extern uint mongodb_aws_get_credentials(out OwnedCredentials creds);
        [DllImport(Lib)] public static extern uint mongodb_aws_owned_credentials_info(OwnedCredentials creds, out CredentialsInfo info);
        [DllImport(Lib)] public static extern IntPtr mongodb_aws_owned_credentials_handle(OwnedCredentials creds);
        [DllImport(Lib)] public static extern void mongodb_aws_owned_credentials_free(IntPtr creds);
        [DllImport(Lib)] public static extern void mongodb_aws_clear_credential_cache();
        [DllImport(Lib)] public static extern uint mongodb_aws_last_error_message(byte* out_, UIntPtr cap, out UIntPtr len);
        [DllImport(Lib)] public static extern IntPtr mongodb_aws_source_name(uint source);
        [DllImport(Lib)] public static extern uint mongodb_aws_client_conversation_init(ClientConversation* conv, byte* nonce, UIntPtr len);
        [DllImport(Lib)] public static extern uint mongodb_aws_client_conversation_client_first(ClientConversation* conv, byte* out_, UIntPtr cap, out UIntPtr len);
        [DllImport(Lib)] public static extern uint mongodb_aws_client_conversation_parse_server_first(ClientConversation* conv, byte* sf, UIntPtr sfLen, ServerFirst* view);
        [DllImport(Lib)] public static extern uint mongodb_aws_client_conversation_client_final(ClientConversation* conv, byte* sf, UIntPtr sfLen, Credentials* creds, ulong now, IntPtr key, byte* out_, UIntPtr cap, out UIntPtr len);
        [DllImport(Lib)] public static extern uint mongodb_aws_client_conversation_client_final_with_handle(ClientConversation* conv, byte* sf, UIntPtr sfLen, IntPtr handle, ulong now, IntPtr key, byte* out_, UIntPtr cap, out UIntPtr len);
        [DllImport(Lib)] public static extern uint mongodb_aws_sts_validate_host(byte* host, UIntPtr len);

        public static string Str(IntPtr p) { return Marshal.PtrToStringAnsi(p); }
        public static string Copy(IntPtr p, UIntPtr len) // copy a view out
        {
            var b = new byte[(int)len];
            if (b.Length > 0) Marshal.Copy(p, b, 0, b.Length);
            return Encoding.UTF8.GetString(b);
        }
    }

    public class MongoDBAwsException : Exception
    {
        public readonly uint Status;
        public readonly string Code;
        public MongoDBAwsException(uint status, string what)
            : base(what + ": " + Native.Str(Native.mongodb_aws_status_name(status)) + ": " + Native.Str(Native.mongodb_aws_status_str(status)))
        {
            Status = status;
            Code = Native.Str(Native.mongodb_aws_status_name(status));
        }
        public static void Check(uint st, string what) { if (st != Native.OK) throw new MongoDBAwsException(st, what); }
    }

    /// <summary>Copies of a credentials set's views (valid after the owner is disposed).</summary>
    public sealed class CredentialsCopy
    {
        public string AccessKeyId, SessionToken, Source;
        public bool HasExpiration;
    }

    public static unsafe class Api
    {
        public static OwnedCredentials GetCredentials()
        {
            OwnedCredentials owned;
            uint st = Native.mongodb_aws_get_credentials(out owned);
            if (st != Native.OK)
            {
                var msg = new byte[2048];
                UIntPtr n;
                fixed (byte* m = msg) Native.mongodb_aws_last_error_message(m, (UIntPtr)msg.Length, out n); // this thread's
                throw new MongoDBAwsException(st, "get_credentials: " + Encoding.UTF8.GetString(msg, 0, (int)n));
            }
            return owned;
        }

        public static CredentialsCopy Info(OwnedCredentials owned)
        {
            CredentialsInfo i;
            MongoDBAwsException.Check(Native.mongodb_aws_owned_credentials_info(owned, out i), "owned_credentials_info");
            var c = new CredentialsCopy
            {   // the views are copied while `owned` is alive
                AccessKeyId = Native.Copy(i.Credentials.AccessKeyId, i.Credentials.AccessKeyIdLen),
                SessionToken = i.HasSessionToken == 1 ? Native.Copy(i.Credentials.SessionToken, i.Credentials.SessionTokenLen) : null,
                Source = Native.Str(Native.mongodb_aws_source_name(i.Source)),
                HasExpiration = i.HasExpiration == 1,
            };
            GC.KeepAlive(owned);
            return c;
        }
    }

    /// <summary>One conversation; the 32-byte struct is a field of this object, pinned per call.</summary>
    public sealed unsafe class Conversation
    {
        private ClientConversation conv;

        public Conversation(byte[] nonce)
        {
            fixed (ClientConversation* c = &conv)
            fixed (byte* n = nonce)
                MongoDBAwsException.Check(Native.mongodb_aws_client_conversation_init(c, n, (UIntPtr)nonce.Length), "conversation_init");
        }

        public byte[] ClientFirst()
        {
            var out_ = new byte[Native.CLIENT_FIRST_LEN];
            UIntPtr n;
            fixed (ClientConversation* c = &conv)
            fixed (byte* o = out_)
                MongoDBAwsException.Check(Native.mongodb_aws_client_conversation_client_first(c, o, (UIntPtr)out_.Length, out n), "client_first");
            return out_;
        }

        /// <summary>Validates server-first; its host view points into sf: copied inside the fixed block.</summary>
        public string ServerHost(byte[] serverFirst)
        {
            ServerFirst view;
            fixed (ClientConversation* c = &conv)
            fixed (byte* sf = serverFirst)
            {
                MongoDBAwsException.Check(Native.mongodb_aws_client_conversation_parse_server_first(c, sf, (UIntPtr)serverFirst.Length, &view), "parse_server_first");
                return Native.Copy(view.Host, view.HostLen); // before sf is unpinned
            }
        }

        /// <summary>Signs with these strings (pinned for the call): one call, the buffer bound is exact.</summary>
        public byte[] ClientFinal(byte[] serverFirst, ulong now, string akid, string secret, string token)
        {
            byte[] a = Encoding.UTF8.GetBytes(akid), s = Encoding.UTF8.GetBytes(secret);
            byte[] t = token == null ? null : Encoding.UTF8.GetBytes(token);
            var out_ = new byte[Native.CLIENT_FINAL_MAX_LEN + (t == null ? 0 : t.Length)];
            UIntPtr n;
            fixed (ClientConversation* c = &conv)
            fixed (byte* sf = serverFirst, pa = a, ps = s, pt = t, o = out_)
            {
                var creds = new Credentials
                {
                    AccessKeyId = (IntPtr)pa, AccessKeyIdLen = (UIntPtr)a.Length,
                    SecretAccessKey = (IntPtr)ps, SecretAccessKeyLen = (UIntPtr)s.Length,
                    SessionToken = (IntPtr)pt, SessionTokenLen = (UIntPtr)(t == null ? 0 : t.Length),
                };
                MongoDBAwsException.Check(Native.mongodb_aws_client_conversation_client_final(
                    c, sf, (UIntPtr)serverFirst.Length, &creds, now, IntPtr.Zero, o, (UIntPtr)out_.Length, out n), "client_final");
            }
            Array.Resize(ref out_, (int)n);
            return out_;
        }

        /// <summary>Signs with the owned credentials' handle (no copy of the secret).</summary>
        public byte[] ClientFinal(byte[] serverFirst, ulong now, OwnedCredentials owned, int tokenLen)
        {
            var out_ = new byte[Native.CLIENT_FINAL_MAX_LEN + tokenLen];
            UIntPtr n;
            IntPtr handle = Native.mongodb_aws_owned_credentials_handle(owned);
            fixed (ClientConversation* c = &conv)
            fixed (byte* sf = serverFirst, o = out_)
                MongoDBAwsException.Check(Native.mongodb_aws_client_conversation_client_final_with_handle(
                    c, sf, (UIntPtr)serverFirst.Length, handle, now, IntPtr.Zero, o, (UIntPtr)out_.Length, out n), "client_final");
            GC.KeepAlive(owned); // the handle lives inside `owned`
            Array.Resize(ref out_, (int)n);
            return out_;
        }

        /// <summary>The raw struct, pinned by the caller (for misuse checks).</summary>
        public ClientConversation Raw { get { return conv; } }
    }
}
