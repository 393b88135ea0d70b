// The header from C++11: it must compile with -std=c++11 -Wall -Wextra -Werror -pedantic, declare
// everything with C linkage, and give the status enum a fixed 32-bit underlying type.
#include "mongodb_aws.h"

#include <cstdio>
#include <cstring>
#include <type_traits>

static_assert(sizeof(mongodb_aws_status) == 4, "status is 32 bits");
static_assert(std::is_same<std::underlying_type<mongodb_aws_status>::type, uint32_t>::value,
              "status enum is uint32_t");
static_assert(sizeof(mongodb_aws_client_conversation) == MONGODB_AWS_CLIENT_NONCE_LEN,
              "conversation is the nonce, nothing else");
static_assert(std::is_standard_layout<mongodb_aws_request>::value, "plain C struct");
static_assert(MONGODB_AWS_VERSION_NUMBER == ((MONGODB_AWS_VERSION_MAJOR << 16) |
                                             (MONGODB_AWS_VERSION_MINOR << 8) |
                                             MONGODB_AWS_VERSION_PATCH),
              "packed version");

int main() {
    int failed = 0, passed = 0;
    auto check = [&](bool ok, const char *what) {
        if (ok) {
            passed++;
        } else {
            failed++;
            std::fprintf(stderr, "FAIL %s\n", what);
        }
    };
    check(std::strcmp(mongodb_aws_version(), MONGODB_AWS_VERSION) == 0, "version");
    check(mongodb_aws_version_number() == MONGODB_AWS_VERSION_NUMBER, "version number");
    check(std::strcmp(mongodb_aws_status_name(MONGODB_AWS_BUFFER_TOO_SMALL), "BUFFER_TOO_SMALL") == 0,
          "status name");
    mongodb_aws_client_conversation conv;
    uint8_t nonce[MONGODB_AWS_CLIENT_NONCE_LEN] = {0};
    check(mongodb_aws_client_conversation_init(&conv, nonce, sizeof nonce) == MONGODB_AWS_OK, "init");
    size_t n = 0;
    check(mongodb_aws_client_conversation_client_first(&conv, nullptr, 0, &n) == MONGODB_AWS_OK &&
              n == MONGODB_AWS_CLIENT_FIRST_LEN,
          "size query");
    mongodb_aws_status st = mongodb_aws_sts_validate_host("sts..com", 8);
    check(st == MONGODB_AWS_HOST_EMPTY_LABEL, "host");
    std::printf("test_header_cpp: %d checks passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
