// kura — a self-hosted encrypted container registry.
// KuraRequestContext: the request context of every plane (Hummingbird's basic one plus the client address).

public import Hummingbird
public import NIOCore

/// Hummingbird's request context with the connected client's address (Key Vault's audit log
/// records it).
public struct KuraRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The client's address; nil when the channel has none (tests without a socket).
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The client's IP address as text, or `unknown`.
    public var clientAddress: String { remoteAddress?.ipAddress ?? "unknown" }
}
