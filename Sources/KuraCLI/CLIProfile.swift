// kura — a self-hosted encrypted container registry.
// CLIProfile: what `kura login` remembers, in ~/.kura (0700; secrets and tokens 0600).

public import Foundation
import KuraAPI
import KuraJMESPath

/// The CLI's state directory: `$KURA_CONFIG_DIR`, else `~/.kura`. Holds `profile.json` (server,
/// CA file, tenant, subscription, app id), `secrets.json` and `tokens.json` (0600). Files are
/// written to a temp file, fsynced and renamed.
public struct CLIProfile: Sendable, Equatable {
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

    public static func directory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit = environment["KURA_CONFIG_DIR"], !explicit.isEmpty { return explicit }
        return (environment["HOME"] ?? NSHomeDirectory()) + "/.kura"
    }

    // MARK: Files

    static func path(_ name: String, in directory: String) -> String { directory + "/" + name }

    public static func load(from directory: String) throws(CLIError) -> CLIProfile {
        guard let text = try? String(contentsOfFile: path("profile.json", in: directory), encoding: .utf8),
              let value = try? JSONValue(parsing: text) else {
            throw CLIError(.local, "Please run 'kura login' to setup account.")
        }
        func field(_ name: String) -> String? { if case .string(let text)? = value[name] { text } else { nil } }
        guard let server = field("server"), let tenant = field("tenant"), let app = field("appId"), let subscription = field("subscription") else {
            throw CLIError(.local, "The profile in \(directory) is incomplete; run 'kura login' again.")
        }
        return CLIProfile(server: server, caFile: field("caFile"), tenant: tenant, appID: app, subscription: subscription,
                          subscriptionName: field("subscriptionName") ?? "")
    }

    public func save(to directory: String) throws(CLIError) {
        var members: JSONObject = ["server": .string(server), "tenant": .string(tenant), "appId": .string(appID),
                                                         "subscription": .string(subscription), "subscriptionName": .string(subscriptionName)]
        if let caFile { members["caFile"] = .string(caFile) }
        try Self.write(JSONValue.object(members).text, to: Self.path("profile.json", in: directory), directory: directory)
    }

    /// A small JSON object file (secrets, tokens) as a dictionary of strings to values.
    static func readObject(_ name: String, in directory: String) -> JSONObject {
        guard let text = try? String(contentsOfFile: path(name, in: directory), encoding: .utf8),
              case .object(let members) = (try? JSONValue(parsing: text)) ?? .null else { return [:] }
        return members
    }

    static func writeObject(_ members: JSONObject, _ name: String, in directory: String) throws(CLIError) {
        try write(JSONValue.object(members).text, to: path(name, in: directory), directory: directory)
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
