// kura — a self-hosted encrypted container registry.
// RegistryAdminCredentials: the admin user of a registry (Basic auth, as ACR's admin user).

import Foundation
public import KuraCrypto

/// The admin user of a registry: the registry's name as user name and two passwords (so one can
/// be regenerated while the other is in use), as `az acr credential show` presents them. Stored
/// sealed under the root key, bound to the registry id.
public struct RegistryAdminCredentials: Codable, Sendable, Equatable {
    public var username: String
    public var passwords: [String]

    public init(username: String, passwords: [String]) {
        self.username = username
        self.passwords = passwords
    }

    /// New credentials with two fresh random passwords.
    public static func generate(username: String) -> RegistryAdminCredentials {
        RegistryAdminCredentials(username: username, passwords: [SecretHash.generateSecret(), SecretHash.generateSecret()])
    }

    /// Whether `username`/`password` match (user name case-insensitively, password in constant time).
    public func accepts(username: String, password: String) -> Bool {
        guard username.lowercased() == self.username.lowercased() else { return false }
        var matched = false
        for candidate in passwords where constantTimeEquals(candidate, password) { matched = true }
        return matched
    }

    public func sealed(registryID: String, with sealer: SealedFile) throws -> [UInt8] {
        try sealer.seal(try JSONEncoder().encode(self), name: Self.sealName(registryID))
    }

    public static func open(_ sealed: [UInt8], registryID: String, with sealer: SealedFile) throws -> RegistryAdminCredentials {
        try JSONDecoder().decode(Self.self, from: Data(try sealer.open(sealed, name: sealName(registryID))))
    }

    private static func sealName(_ registryID: String) -> String { "registry-admin/" + registryID }
}
