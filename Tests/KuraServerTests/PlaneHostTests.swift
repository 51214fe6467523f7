import KuraCore
import KuraDirectory
import KuraDirectoryHTTP
import KuraHTTP
import KuraKeyVault
import KuraKeyVaultHTTP
import KuraManagement
import KuraManagementHTTP
import KuraRegistry
import KuraRegistryHTTP
@testable import KuraServer
import Testing

@Suite struct PlaneHostTests {
    let config = KuraConfig()

    @Test func classifiesHostsAsDesignSection2() {
        #expect(PlaneHost(host: "localhost:8443", config: config) == .main)
        #expect(PlaneHost(host: "LOCALHOST", config: config) == .main)
        #expect(PlaneHost(host: "127.0.0.1:8443", config: config) == .main)
        #expect(PlaneHost(host: "[::1]:8443", config: config) == .main)
        #expect(PlaneHost(host: "myvault.vault.localhost:8443", config: config) == .vault("myvault"))
        #expect(PlaneHost(host: "MyVault.Vault.Localhost.", config: config) == .vault("myvault"))
        #expect(PlaneHost(host: "myregistry.cr.localhost:8443", config: config) == .registry("myregistry"))
        #expect(PlaneHost(host: "a.b.cr.localhost", config: config) == .unknown("a.b.cr.localhost"))
        #expect(PlaneHost(host: "vault.localhost", config: config) == .unknown("vault.localhost"))
        #expect(PlaneHost(host: "example.com", config: config) == .unknown("example.com"))
        #expect(PlaneHost(host: nil, config: config) == .unknown(""))
    }

    @Test func followsConfiguredSuffixes() throws {
        let custom = try ConfigLoader.load(yaml: nil, environment: [:], overrides: [
            ("hosts.main", "kura.example.com"), ("hosts.vaultSuffix", "vault.example.com"), ("hosts.registrySuffix", "cr.example.com"),
        ])
        #expect(PlaneHost(host: "kura.example.com", config: custom) == .main)
        #expect(PlaneHost(host: "keys.vault.example.com", config: custom) == .vault("keys"))
        #expect(PlaneHost(host: "images.cr.example.com:443", config: custom) == .registry("images"))
        #expect(PlaneHost(host: "localhost", config: custom) == .unknown("localhost"))
    }
}
