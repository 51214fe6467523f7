// kura — a self-hosted encrypted container registry.
// DataDirectoryFiles: the data dir's files `kura login --local` reads — written by `kura serve`.

/// `admin-credentials.json`: the bootstrap admin service principal and admin user (mode 0600).
public struct AdminCredentials: Codable, Sendable, Equatable {
    public var appId: String
    public var objectId: String
    public var password: String
    public var tenant: String
    public var displayName: String
    /// The admin user (who signs in to the portal); absent in a data dir made before users existed
    /// until the next start adds one.
    public var user: AdminUser?

    /// A directory user Owner of the subscription, made with the admin service principal.
    public struct AdminUser: Codable, Sendable, Equatable {
        public var userPrincipalName, objectId, password: String

        public init(userPrincipalName: String, objectId: String, password: String) {
            self.userPrincipalName = userPrincipalName
            self.objectId = objectId
            self.password = password
        }
    }

    /// The credentials of a new admin principal.
    public static func of(appId: String, objectId: String, password: String, tenant: String, displayName: String) -> AdminCredentials {
        AdminCredentials(appId: appId, objectId: objectId, password: password, tenant: tenant, displayName: displayName)
    }
}

/// `serving.json`: where a running `kura serve` answers, written once every listener is up.
public struct ServingFile: Codable, Sendable, Equatable {
    /// `https://<main host>:<port>`.
    public var url: String
    public var pid: Int

    /// The file of the process `pid` answering at `url`.
    public static func of(url: String, pid: Int) -> ServingFile { ServingFile(url: url, pid: pid) }
}
