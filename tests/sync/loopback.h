// Loopback listening sockets for the deliberately bad servers of the
// fault tests (fault_server.h, fault_proxy.h).
#pragma once

#include <string_view>

namespace akari::testing {

// A listening TCP socket on 127.0.0.1 at a free port (written to `port`);
// -1 when the socket cannot be made.
int ListenOnLoopback(int& port);

// Sends all of `data` on the connected socket `fd` (no SIGPIPE); false when
// the peer is gone first, or stopped reading for the socket's send timeout.
bool SendAll(int fd, std::string_view data);

}  // namespace akari::testing
