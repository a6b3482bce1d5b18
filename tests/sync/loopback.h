// Loopback listening sockets for the deliberately bad servers of the
// fault tests (fault_server.h, fault_proxy.h).
#pragma once

namespace akari::testing {

// A listening TCP socket on 127.0.0.1 at a free port (written to `port`);
// -1 when the socket cannot be made.
int ListenOnLoopback(int& port);

}  // namespace akari::testing
