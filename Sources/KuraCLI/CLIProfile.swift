// kura — a self-hosted encrypted container registry.
// CLIProfile: what `kura login` remembers, in ~/.kura (0700; secrets and tokens 0600).

public import Foundation
import KuraAPI

/// The CLI's state directory: `$KURA_CONFIG_DIR`, else `~/.kura`. Holds `profile.json` (server,
/// CA file, tenant, subscription, app id), `secrets.json` and `tokens.json` (0600). Files are
/// written to a temp file, fsynced and renamed.
public struct CLIProfile: Codable, Sendable, Equatable {
    public var server: String
    public var caFile: String?
    public var tenant: String
    public var appID: String
    public var subscription: String
    public var subscriptionName: String

    public init(server: String, caFile: String?, tenant: String, appID: String, subscription: String, subscriptionName: String) {
        self.server = server
        self.caFile = caFile
        self.tenant = tenant
        self.appID = appID
        self.subscription = subscription
        self.subscriptionName = subscriptionName
    }

    enum CodingKeys: String, CodingKey { case server, caFile, tenant, appID = "appId", subscription, subscriptionName }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(server: try container.decode(String.self, forKey: .server), caFile: try container.decodeIfPresent(String.self, forKey: .caFile),
                  tenant: try container.decode(String.self, forKey: .tenant), appID: try container.decode(String.self, forKey: .appID),
                  subscription: try container.decode(String.self, forKey: .subscription),
                  subscriptionName: try container.decodeIfPresent(String.self, forKey: .subscriptionName) ?? "")
    }

    /// A cached access token (`tokens.json`, by resource).
    struct CachedToken: Codable, Sendable {
        var accessToken: String
        /// Unix seconds.
        var expiresOn: Int64
    }

    public static func directory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit = environment["KURA_CONFIG_DIR"], !explicit.isEmpty { return explicit }
        return (environment["HOME"] ?? NSHomeDirectory()) + "/.kura"
    }

    // MARK: Files

    static func path(_ name: String, in directory: String) -> String { directory + "/" + name }

    public static func load(from directory: String) throws(CLIError) -> CLIProfile {
        guard FileManager.default.fileExists(atPath: path("profile.json", in: directory)) else {
            throw CLIError(.local, "Please run 'kura login' to setup account.")
        }
        guard let profile = read(CLIProfile.self, "profile.json", in: directory) else {
            throw CLIError(.local, "The profile in \(directory) is incomplete; run 'kura login' again.")
        }
        return profile
    }

    public func save(to directory: String) throws(CLIError) {
        try Self.write(self, "profile.json", in: directory)
    }

    /// A state file as `Model`, or nil when it is missing or not one.
    static func read<Model: Decodable>(_ type: Model.Type, _ name: String, in directory: String) -> Model? {
        guard let bytes = FileManager.default.contents(atPath: path(name, in: directory)) else { return nil }
        return try? WireJSON.decode(type, from: bytes)
    }

    static func write(_ model: some Encodable, _ name: String, in directory: String) throws(CLIError) {
        try write(String(decoding: WireJSON.encode(model), as: UTF8.self), to: path(name, in: directory), directory: directory)
    }

    /// temp → fsync → rename, 0600 in a 0700 directory.
    static func write(_ text: String, to file: String, directory: String) throws(CLIError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory)
        } catch {
            throw CLIError(.local, "cannot create \(directory): \(error)")
        }
        try LocalFile.write(Data(text.utf8), to: file)
    }

    /// Forgets everything (`kura logout`).
    public static func clear(_ directory: String) {
        for name in ["profile.json", "secrets.json", "tokens.json"] { try? FileManager.default.removeItem(atPath: path(name, in: directory)) }
    }
}
