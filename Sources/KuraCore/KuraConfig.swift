// kura — a self-hosted encrypted container registry.
// KuraConfig: the effective settings of one `kura serve` process.

/// Every setting of `kura serve`, after defaults, the YAML file, `KURA_*` variables and flags
/// have been applied in that order (later wins). See ``ConfigLoader``.
public struct KuraConfig: Sendable, Equatable {
    /// Where the metadata lives.
    public enum MetadataBackend: String, Sendable, CaseIterable {
        /// SQLite (WAL) in the data dir: the embedded default.
        case sqlite
        /// PostgreSQL at ``KuraConfig/metadataURL``: the cluster tier.
        case postgres
    }

    /// Where blob bytes (always KBF1 ciphertext) live.
    public enum BlobBackend: String, Sendable, CaseIterable {
        /// Files under ``KuraConfig/blobPath``.
        case filesystem
    }

    /// TCP port every listener binds (0 = any free port, for tests).
    public var port: Int = 8443
    /// Addresses to listen on; both loopback families by default, since `*.localhost` resolves to `::1` first.
    public var listenAddresses: [String] = ["127.0.0.1", "::1"]
    /// Open connections over all listeners; one more is closed at accept. Lowered at start to what
    /// the open-file limit allows.
    public var maxConnections: Int = 4096
    /// A connection whose TLS handshake is not complete this long after accept is closed.
    public var handshakeTimeout: Duration = .seconds(10)
    /// A connection whose request head is not complete this long after the handshake (first request)
    /// or after the request's first byte (later requests) is closed: slowloris ends here.
    public var headerTimeout: Duration = .seconds(10)
    /// A connection with no request in progress, or whose request body sends nothing, is closed after this.
    public var idleTimeout: Duration = .seconds(60)
    /// A request body must arrive within this, plus one second per `bodyMinimumRate` bytes received.
    public var bodyTimeout: Duration = .seconds(20)
    /// Bytes per second a slow request body must keep up (see `bodyTimeout`).
    public var bodyMinimumRate: Int = 1024
    /// Host name of the login + management plane (no port).
    public var mainHost: String = "localhost"
    /// Vault hosts are `{vault}.{vaultSuffix}`.
    public var vaultSuffix: String = "vault.localhost"
    /// Registry login servers are `{registry}.{registrySuffix}`.
    public var registrySuffix: String = "cr.localhost"
    public var metadataBackend: MetadataBackend = .sqlite
    /// PostgreSQL URL (`postgres://user:pass@host:port/db`); required when the backend is postgres.
    public var metadataURL: String? = nil
    public var blobBackend: BlobBackend = .filesystem
    /// Root directory of the filesystem blob store; nil means `<data dir>/blobs`.
    public var blobPath: String? = nil
    /// How often a customer-managed key is re-validated by an unwrap call.
    public var keyCheckInterval: Duration = .seconds(30)
    /// How long a registry keeps serving from its cached data key while its vault is unreachable.
    public var keyUnavailableGrace: Duration = .seconds(300)
    /// Key vault hosts outside this installation that may hold a registry's key (and so receive
    /// a token kura mints); empty: none (see ``RemoteVaultHosts``).
    public var remoteVaultHosts: RemoteVaultHosts = .none
    /// An upload session started longer ago than this is abandoned: its parts are deleted
    /// (distribution's `uploadpurging.age`, same default).
    public var uploadExpiry: Duration = .seconds(7 * 86_400)
    /// How long a blob nothing needs keeps its bytes before collection deletes them: a push,
    /// mount or manifest needing it within that time keeps it (docs/garbage-collection.md).
    public var blobCollectionGrace: Duration = .seconds(15 * 60)
    /// Accept manifests whose blobs or child manifests a repository does not hold (the OCI
    /// distribution-spec's "sparse" manifests); off by default, so a push must be complete.
    public var allowSparseManifests: Bool = false
    /// swift-log level name: trace, debug, info, notice, warning, error, critical.
    public var logLevel: String = "info"

    public init() {}
}

/// Why a configuration could not be loaded; the message names the key and the source.
public struct ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
