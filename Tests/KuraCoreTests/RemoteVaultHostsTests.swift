import KuraCore
import Testing

/// `keys.remoteVaultHosts`: which hosts outside the installation may receive a token.
struct RemoteVaultHostsTests {
    @Test func emptyAllowsNothing() {
        #expect(!RemoteVaultHosts.none.allows(host: "kv.vault.azure.net", port: 443))
        #expect(!RemoteVaultHosts.none.allows(host: "localhost", port: 8443))
    }

    @Test func wildcardsCoverSubdomainsOnlyAndPortsAreExact() throws {
        let hosts = try RemoteVaultHosts(parsing: "*.vault.azure.net, kv.example.com:8443,Other.Example.org")
        #expect(hosts.allows(host: "kv.vault.azure.net", port: 443))
        #expect(hosts.allows(host: "KV.Vault.Azure.NET", port: 443))
        #expect(!hosts.allows(host: "vault.azure.net", port: 443), "a wildcard does not cover the domain itself")
        #expect(!hosts.allows(host: "kv.vault.azure.net.evil.com", port: 443))
        #expect(!hosts.allows(host: "evilvault.azure.net", port: 443))
        #expect(!hosts.allows(host: "kv.vault.azure.net", port: 8443), "no port means 443 only")
        #expect(hosts.allows(host: "kv.example.com", port: 8443))
        #expect(!hosts.allows(host: "kv.example.com", port: 443))
        #expect(!hosts.allows(host: "a.kv.example.com", port: 8443))
        #expect(hosts.allows(host: "other.example.org", port: 443))
        #expect(hosts.description == "*.vault.azure.net,kv.example.com:8443,other.example.org")
    }

    @Test func malformedEntriesAreConfigErrors() {
        for bad in ["*.com", "https://kv.example.com", "kv.example.com:0", "kv.example.com:70000", "kv_example.com", "*", "a..b", "kv.example.com/keys"] {
            #expect(throws: ConfigError.self, "\(bad)") { _ = try RemoteVaultHosts(parsing: bad) }
        }
        #expect(throws: Never.self) { _ = try RemoteVaultHosts(parsing: " , ") }
    }

    @Test func theSettingIsInTheConfigTable() throws {
        var config = KuraConfig()
        try ConfigSetting.named("keys.remoteVaultHosts")!.apply("*.vault.azure.net", to: &config)
        #expect(config.remoteVaultHosts.allows(host: "x.vault.azure.net", port: 443))
        #expect(ConfigSetting.named("keys.remoteVaultHosts")!.environmentName == "KURA_KEYS_REMOTE_VAULT_HOSTS")
    }
}
