// kura — a self-hosted encrypted container registry.
// KuraRequestContext: the request context of every plane (Hummingbird's basic one plus the client address).

import Hummingbird
import NIOCore

/// Hummingbird's request context with the connected client's address (Key Vault's audit log
/// records it).
struct KuraRequestContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    /// The client's address; nil when the channel has none (tests without a socket).
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The client's IP address as text, or `unknown`.
    var clientAddress: String { remoteAddress?.ipAddress ?? "unknown" }
}
