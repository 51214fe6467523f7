// kura — a self-hosted encrypted container registry.
// DataDirectoryFiles: the data dir's files `kura login --local` reads — written by `kura serve`.

/// `admin-credentials.json`: the bootstrap admin service principal (mode 0600).
public struct AdminCredentials: Codable, Sendable, Equatable {
    public var appId: String
    public var objectId: String
    public var password: String
    public var tenant: String
    public var displayName: String

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
