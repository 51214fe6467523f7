import KuraCore
import KuraDirectory
import KuraManagement
import KuraRegistry
import KuraServer
import Testing

@Suite struct ManagementPathTests {
    let sub = "/subscriptions/s"

    @Test func classifiesARMPaths() throws {
        #expect(ManagementPath(path: "\(sub)/resourcegroups") == .resourceGroups(subscription: "s"))
        #expect(ManagementPath(path: "\(sub)/resourceGroups/RG") == .resourceGroup(ResourceID(subscription: "s", resourceGroup: "RG")))
        #expect(ManagementPath(path: "\(sub)/resources") == .genericResources(scope: ResourceID(subscription: "s")))
        let registry = "\(sub)/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/r1"
        #expect(ManagementPath(path: registry) == .resource(try #require(ResourceID(parsing: registry))))
        #expect(ManagementPath(path: registry + "/listCredentials") == .action(try #require(ResourceID(parsing: registry)), name: "listCredentials"))
        #expect(ManagementPath(path: "\(sub)/resourceGroups/rg/providers/Microsoft.KeyVault/vaults")
                == .collection(scope: ResourceID(subscription: "s", resourceGroup: "rg"), namespace: "Microsoft.KeyVault", type: "vaults"))
        #expect(ManagementPath(path: registry + "/providers/Microsoft.Authorization/roleAssignments/abc")
                == .authorization(scope: try #require(ResourceID(parsing: registry)), collection: "roleAssignments", name: "abc"))
        #expect(ManagementPath(path: "\(sub)/providers/Microsoft.Authorization/roleDefinitions")
                == .authorization(scope: ResourceID(subscription: "s"), collection: "roleDefinitions", name: nil))
        #expect(ManagementPath(path: "/tenants") == nil && ManagementPath(path: "\(sub)/nonsense") == nil)
    }

    @Test func parsesTheFiltersClientsSend() throws {
        let filter = try ODataFilter("resourceType eq 'Microsoft.ContainerRegistry/registries' and atScope()")
        #expect(filter.value(of: "resourcetype") == "Microsoft.ContainerRegistry/registries" && filter.hasAtScope)
        #expect(try ODataFilter("roleName eq 'Key Vault Crypto User'").value(of: "roleName") == "Key Vault Crypto User")
        #expect(try ODataFilter("assignedTo('abc')").clauses == [.assignedTo("abc")])
        #expect(try ODataFilter("name eq 'it''s'").value(of: "name") == "it's")
        #expect(try ODataFilter(nil).clauses.isEmpty)
        #expect(throws: ManagementError.self) { try ODataFilter("startswith(name, 'x')") }
    }

    @Test func keyIdentifiersNameAVaultOfThisInstallation() throws {
        let key = try #require(KeyIdentifier("https://KV1.vault.localhost:8443/keys/k1/abc", vaultDNSSuffix: "vault.localhost:8443"))
        #expect(key.vaultName == "KV1" && key.keyName == "k1" && key.version == "abc")
        #expect(KeyIdentifier("https://kv1.vault.localhost:8443/keys/k1", vaultDNSSuffix: "vault.localhost:8443")?.version == nil)
        #expect(KeyIdentifier("https://kv1.vault.azure.net/keys/k1", vaultDNSSuffix: "vault.localhost:8443") == nil)
        #expect(KeyIdentifier("http://kv1.vault.localhost:8443/keys/k1", vaultDNSSuffix: "vault.localhost:8443") == nil)
        #expect(KeyIdentifier("https://kv1.vault.localhost:8443/secrets/k1", vaultDNSSuffix: "vault.localhost:8443") == nil)
    }
}
