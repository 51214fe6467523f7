// kura — a self-hosted encrypted container registry.
// APIVersionPolicy: which api-versions each resource type accepts.

import Foundation

/// The `api-version`s kura accepts per resource type: every version the supported clients send
/// (az 2.91, the Azure SDKs, ARM templates' older `apiVersion`s). Response shapes are the same
/// for all of them. Keys are lower-cased types.
public enum APIVersionPolicy {
    static let resources = ["2014-04-01", "2015-11-01", "2016-02-01", "2016-09-01", "2017-05-10", "2018-02-01", "2018-05-01",
                            "2019-05-01", "2019-05-10", "2019-07-01", "2019-08-01", "2019-10-01", "2020-06-01", "2020-08-01",
                            "2020-10-01", "2021-01-01", "2021-04-01", "2022-09-01", "2023-07-01", "2024-03-01", "2024-07-01",
                            "2024-11-01", "2025-03-01", "2025-04-01"]
    static let subscriptions = ["2016-06-01", "2019-06-01", "2019-11-01", "2020-01-01", "2021-01-01", "2022-01-01", "2022-09-01",
                                "2022-12-01", "2024-11-01"]
    static let authorization = ["2015-07-01", "2017-05-01", "2018-01-01-preview", "2018-07-01", "2018-09-01-preview",
                                "2020-03-01-preview", "2020-04-01-preview", "2020-08-01-preview", "2020-10-01-preview",
                                "2021-03-01-preview", "2022-01-01-preview", "2022-04-01", "2022-05-01-preview"]
    static let identities = ["2015-08-31-preview", "2018-11-30", "2021-09-30-preview", "2022-01-31-preview", "2023-01-31",
                             "2023-07-31-preview", "2024-11-30", "2025-01-31-preview", "2025-05-31-preview"]
    static let vaults = ["2015-06-01", "2016-10-01", "2018-02-14", "2018-02-14-preview", "2019-09-01", "2020-04-01-preview",
                         "2021-04-01-preview", "2021-06-01-preview", "2021-10-01", "2021-11-01-preview", "2022-02-01-preview",
                         "2022-07-01", "2022-11-01", "2023-02-01", "2023-07-01", "2024-04-01-preview", "2024-11-01",
                         "2024-12-01-preview", "2025-05-01", "2026-02-01"]
    static let registries = ["2017-10-01", "2019-05-01", "2019-12-01-preview", "2020-11-01-preview", "2021-06-01-preview",
                             "2021-08-01-preview", "2021-09-01", "2021-12-01-preview", "2022-02-01-preview", "2022-12-01",
                             "2023-01-01-preview", "2023-06-01-preview", "2023-07-01", "2023-08-01-preview", "2023-11-01-preview",
                             "2024-11-01-preview", "2025-03-01-preview", "2025-04-01", "2025-05-01-preview", "2025-06-01-preview",
                             "2025-11-01", "2026-01-01-preview", "2026-09-01-preview"]

    static let table: [String: [String]] = [
        "microsoft.resources/subscriptions": subscriptions,
        "microsoft.resources/resourcegroups": resources,
        "microsoft.resources/resources": resources,
        "microsoft.resources/deployments": resources,
        "microsoft.authorization/roleassignments": authorization,
        "microsoft.authorization/roledefinitions": authorization,
        "microsoft.managedidentity/userassignedidentities": identities,
        "microsoft.keyvault/vaults": vaults,
        "microsoft.keyvault/deletedvaults": vaults,
        "microsoft.containerregistry/registries": registries,
    ]

    /// The newest version kura accepts for `type` (what a deployment uses when a template names none).
    public static func latest(for type: String) -> String? {
        table[type.lowercased().split(separator: "/").prefix(2).joined(separator: "/")]?.last
    }

    /// Checks `version` for `type` (`Namespace/type`, any case; child types use their root's list).
    /// - Throws: ``ManagementError`` `MissingApiVersionParameter` or `InvalidApiVersionParameter`
    ///   listing the supported versions.
    public static func validate(_ version: String?, for type: String) throws {
        guard let version, !version.isEmpty else { throw ManagementError.missingAPIVersion() }
        let parts = type.lowercased().split(separator: "/")
        let root = parts.prefix(2).joined(separator: "/")
        guard let supported = table[root] else { return }
        guard supported.contains(version.lowercased()) else {
            throw ManagementError(status: 400, code: "InvalidApiVersionParameter",
                                  "The api-version '\(version)' is invalid. The supported versions for '\(type)' are '\(supported.joined(separator: ","))'.")
        }
    }
}
