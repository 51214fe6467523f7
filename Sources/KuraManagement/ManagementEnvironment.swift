// kura — a self-hosted encrypted container registry.
// ManagementEnvironment: installation facts every management service needs, and the clock.

public import KuraCore
public import KuraDirectory

/// The installation as the management plane sees it: one tenant, one subscription.
public struct ManagementEnvironment: Sendable {
    public let subscriptionID: String
    public let tenantID: String
    public let endpoints: InstallationEndpoints
    /// The location given to resources when neither the request nor the group names one.
    public let defaultLocation: String
    /// Vault hosts outside this installation a registry's key may name (`keys.remoteVaultHosts`).
    public let remoteVaultHosts: RemoteVaultHosts
    /// The time of every stamp and retention rule of the plane.
    public let clock: any WallClock

    public init(subscriptionID: String, tenantID: String, endpoints: InstallationEndpoints, defaultLocation: String = "local",
                remoteVaultHosts: RemoteVaultHosts = .none, clock: any WallClock = SystemClock()) {
        self.clock = clock
        self.subscriptionID = subscriptionID
        self.tenantID = tenantID
        self.endpoints = endpoints
        self.defaultLocation = defaultLocation
        self.remoteVaultHosts = remoteVaultHosts
    }

    /// - Throws: `SubscriptionNotFound` unless `subscription` is this installation's.
    public func requireSubscription(_ subscription: String) throws {
        guard subscription.lowercased() == subscriptionID else {
            throw ManagementError(status: 404, code: "SubscriptionNotFound", "The subscription '\(subscription)' could not be found.")
        }
    }

    /// Now, in Unix milliseconds.
    public func now() -> Int64 { clock.milliseconds }

}
