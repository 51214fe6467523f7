// kura — a self-hosted encrypted container registry.
// ManagementEnvironment: installation facts every management service needs, and the clock.

import Foundation
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

    public init(subscriptionID: String, tenantID: String, endpoints: InstallationEndpoints, defaultLocation: String = "local",
                remoteVaultHosts: RemoteVaultHosts = .none) {
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
    public static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// An ISO 8601 time with fractional seconds, as ARM prints them.
    public static func timestamp(_ milliseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}
