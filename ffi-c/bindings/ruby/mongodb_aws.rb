# frozen_string_literal: true

# libmongodb_aws through Ruby-FFI: the pattern for a Ruby driver (include/mongodb_aws.h is the
# reference for every function and rule).
#
# Marshalling rules of the ABI:
# - every status is :uint32, every flag :uint8 (0/1): no bool, no enum, so nothing to guess;
# - inputs are pointer + length, outputs (out, out_cap, out_len) into an FFI::MemoryPointer the caller
#   owns (freed by the GC once unreferenced: keep a reference while the library's views point into it);
# - views the library returns (server-first host, credential fields) are copied out with
#   read_bytes / read_string(len) before the buffer or object they point into goes away;
# - objects the library allocates are released by an FFI::AutoPointer's release (the GC) or close.
require 'ffi'

module MongoDBAws
  extend FFI::Library
  ffi_lib [ENV['MONGODB_AWS_LIB'], 'libmongodb_aws.so.0.1', 'mongodb_aws'].compact

  OK = 0
  NULL_ARGUMENT = 1
  BUFFER_TOO_SMALL = 100
  INVALID_TIME = 110
  INVALID_PARAMETER = 114
  SERVER_NONCE_MISMATCH = 308
  HOST_EMPTY_LABEL = 312
  CLIENT_NONCE_LEN = 32
  CLIENT_FIRST_LEN = 52
  CLIENT_FINAL_MAX_LEN = 682 # + the session token's length: always enough

  # mongodb_aws_credentials: borrowed pointers (keep the MemoryPointers alive: see .of).
  class Credentials < FFI::Struct
    layout :access_key_id, :pointer, :access_key_id_len, :size_t,
           :secret_access_key, :pointer, :secret_access_key_len, :size_t,
           :session_token, :pointer, :session_token_len, :size_t

    def self.of(akid, secret, token = nil)
      c = new
      keep = [akid, secret, token].map { |s| s && FFI::MemoryPointer.from_string(s) }
      c[:access_key_id] = keep[0]
      c[:access_key_id_len] = akid.bytesize
      c[:secret_access_key] = keep[1]
      c[:secret_access_key_len] = secret.bytesize
      c[:session_token] = keep[2] || FFI::Pointer::NULL
      c[:session_token_len] = token ? token.bytesize : 0
      c.instance_variable_set(:@keep, keep) # the struct holds raw pointers into these
      c
    end
  end

  class CredentialsInfo < FFI::Struct
    layout :credentials, Credentials, :expiration_unix, :uint64, :source, :uint32,
           :has_session_token, :uint8, :has_expiration, :uint8, :from_cache, :uint8
  end

  class ClientConversation < FFI::Struct
    layout :nonce, [:uint8, CLIENT_NONCE_LEN]
  end

  class ServerFirst < FFI::Struct
    layout :server_nonce, :pointer, :host, :pointer, :host_len, :size_t,
           :region, :pointer, :region_len, :size_t
  end

  STRUCTS = {
    'mongodb_aws_credentials' => Credentials, 'mongodb_aws_credentials_info' => CredentialsInfo,
    'mongodb_aws_client_conversation' => ClientConversation, 'mongodb_aws_server_first' => ServerFirst
  }.freeze

  attach_function :mongodb_aws_version, [], :string
  attach_function :mongodb_aws_version_number, [], :uint32
  attach_function :mongodb_aws_status_name, [:uint32], :string
  attach_function :mongodb_aws_status_str, [:uint32], :string
  # Blocking calls release the GVL so other Ruby threads run meanwhile.
  attach_function :mongodb_aws_get_credentials, [:pointer], :uint32, blocking: true
  attach_function :mongodb_aws_owned_credentials_info, %i[pointer pointer], :uint32
  attach_function :mongodb_aws_owned_credentials_handle, [:pointer], :pointer
  attach_function :mongodb_aws_owned_credentials_free, [:pointer], :void
  attach_function :mongodb_aws_clear_credential_cache, [], :void
  attach_function :mongodb_aws_last_error_message, %i[pointer size_t pointer], :uint32
  attach_function :mongodb_aws_source_name, [:uint32], :string
  attach_function :mongodb_aws_client_conversation_init, %i[pointer pointer size_t], :uint32
  attach_function :mongodb_aws_client_conversation_client_first, %i[pointer pointer size_t pointer], :uint32
  attach_function :mongodb_aws_client_conversation_parse_server_first, %i[pointer pointer size_t pointer], :uint32
  attach_function :mongodb_aws_client_conversation_client_final,
                  %i[pointer pointer size_t pointer uint64 pointer pointer size_t pointer], :uint32
  attach_function :mongodb_aws_client_conversation_client_final_with_handle,
                  %i[pointer pointer size_t pointer uint64 pointer pointer size_t pointer], :uint32
  attach_function :mongodb_aws_sts_validate_host, %i[pointer size_t], :uint32

  class Error < StandardError
    attr_reader :status, :code

    def initialize(status, what)
      @status = status
      @code = MongoDBAws.mongodb_aws_status_name(status)
      super("#{what}: #{@code}: #{MongoDBAws.mongodb_aws_status_str(status)}")
    end
  end

  def self.check!(status, what)
    raise Error.new(status, what) unless status == OK
  end

  # An owned copy of a Ruby String as uint8_t bytes (Ruby-FFI passes no String for a :pointer
  # that the library may keep a view into: the copy lives as long as the returned pointer does).
  def self.bytes(str)
    FFI::MemoryPointer.new(:uint8, [str.bytesize, 1].max).tap { |p| p.put_bytes(0, str) }
  end

  # mongodb_aws_get_credentials' result, freed (and wiped) by the GC or close.
  class OwnedCredentials
    def initialize
      out = FFI::MemoryPointer.new(:pointer)
      st = MongoDBAws.mongodb_aws_get_credentials(out)
      unless st == OK
        msg = FFI::MemoryPointer.new(:uint8, 2048)
        n = FFI::MemoryPointer.new(:size_t)
        MongoDBAws.mongodb_aws_last_error_message(msg, 2048, n) # this thread's last error
        raise Error.new(st, "get_credentials: #{msg.read_bytes(n.read(:size_t))}")
      end
      @ptr = FFI::AutoPointer.new(out.read_pointer, MongoDBAws.method(:mongodb_aws_owned_credentials_free))
    end

    # Copies of the views (valid after close).
    def info
      i = CredentialsInfo.new
      MongoDBAws.check!(MongoDBAws.mongodb_aws_owned_credentials_info(@ptr, i), 'owned_credentials_info')
      c = i[:credentials]
      { access_key_id: c[:access_key_id].read_bytes(c[:access_key_id_len]),
        session_token: i[:has_session_token] == 1 ? c[:session_token].read_bytes(c[:session_token_len]) : nil,
        source: MongoDBAws.mongodb_aws_source_name(i[:source]),
        has_expiration: i[:has_expiration] == 1 }
    end

    # Signs without a copy; valid until close.
    def handle = MongoDBAws.mongodb_aws_owned_credentials_handle(@ptr)

    def close
      @ptr&.free
      @ptr = nil
    end
  end

  # One conversation: the 32-byte struct lives in a MemoryPointer this object owns.
  class Conversation
    attr_reader :conv

    def initialize(nonce)
      @conv = ClientConversation.new
      MongoDBAws.check!(MongoDBAws.mongodb_aws_client_conversation_init(@conv, MongoDBAws.bytes(nonce), nonce.bytesize),
                        'conversation_init')
    end

    def client_first
      out = FFI::MemoryPointer.new(:uint8, CLIENT_FIRST_LEN)
      n = FFI::MemoryPointer.new(:size_t)
      MongoDBAws.check!(MongoDBAws.mongodb_aws_client_conversation_client_first(@conv, out, CLIENT_FIRST_LEN, n),
                        'client_first')
      out.read_bytes(n.read(:size_t))
    end

    # Validates server-first; the host view points into sf, so it is copied while sf is referenced.
    def server_host(server_first)
      sf = MongoDBAws.bytes(server_first)
      view = ServerFirst.new
      MongoDBAws.check!(
        MongoDBAws.mongodb_aws_client_conversation_parse_server_first(@conv, sf, server_first.bytesize, view),
        'parse_server_first'
      )
      view[:host].read_bytes(view[:host_len])
    end

    # Signs with creds (a Credentials) or a handle (then give its token's length): one call.
    def client_final(server_first, now, creds: nil, handle: nil, token_len: 0)
      sf = MongoDBAws.bytes(server_first)
      token_len = creds[:session_token_len] if creds
      cap = CLIENT_FINAL_MAX_LEN + token_len
      out = FFI::MemoryPointer.new(:uint8, cap)
      n = FFI::MemoryPointer.new(:size_t)
      st = if handle
             MongoDBAws.mongodb_aws_client_conversation_client_final_with_handle(
               @conv, sf, server_first.bytesize, handle, now, nil, out, cap, n
             )
           else
             MongoDBAws.mongodb_aws_client_conversation_client_final(
               @conv, sf, server_first.bytesize, creds, now, nil, out, cap, n
             )
           end
      MongoDBAws.check!(st, 'client_final')
      out.read_bytes(n.read(:size_t))
    end
  end
end
