import KuraCore
import Testing

@Suite struct ResourceIDTests {
    @Test func parsesEveryScopeAndPrintsItAsWritten() throws {
        let text = "/subscriptions/S1/resourcegroups/MyRG/providers/Microsoft.KeyVault/vaults/KV1/accessPolicies/add"
        let id = try #require(ResourceID(parsing: text))
        #expect(id.subscription == "S1" && id.resourceGroup == "MyRG" && id.namespace == "Microsoft.KeyVault")
        #expect(id.types == ["vaults", "accessPolicies"] && id.names == ["KV1", "add"])
        #expect(id.type == "Microsoft.KeyVault/vaults/accessPolicies" && id.name == "add")
        #expect(id.description == "/subscriptions/S1/resourceGroups/MyRG/providers/Microsoft.KeyVault/vaults/KV1/accessPolicies/add")
        #expect(id.parent?.description == "/subscriptions/S1/resourceGroups/MyRG/providers/Microsoft.KeyVault/vaults/KV1")
        #expect(id.scopes.map(\.type) == ["Microsoft.KeyVault/vaults/accessPolicies", "Microsoft.KeyVault/vaults",
                                          "Microsoft.Resources/resourceGroups", "Microsoft.Resources/subscriptions"])
        #expect(ResourceID(parsing: "/subscriptions/S1")?.type == "Microsoft.Resources/subscriptions")
        #expect(ResourceID(parsing: "/subscriptions/S1/providers/Microsoft.KeyVault/locations/eastus/deletedVaults/kv")?.resourceGroup == nil)
    }

    @Test func comparesWithoutCase() throws {
        let a = try #require(ResourceID(parsing: "/subscriptions/s/resourceGroups/RG/providers/Microsoft.X/things/T"))
        let b = try #require(ResourceID(parsing: "/SUBSCRIPTIONS/s/resourcegroups/rg/providers/microsoft.x/THINGS/t"))
        #expect(a == b && a.hashValue == b.hashValue)
        #expect(a.isWithin(ResourceID(subscription: "S", resourceGroup: "rg")))
        #expect(!a.isWithin(ResourceID(subscription: "s", resourceGroup: "other")))
    }

    @Test(arguments: ["", "/", "/subscriptions", "/tenants/x", "/subscriptions/s/resourceGroups",
                      "/subscriptions/s/providers/Microsoft.X", "/subscriptions/s/providers/Microsoft.X/things",
                      "/subscriptions/s/resourceGroups/rg/providers/Microsoft.X/things/t/child"])
    func rejectsWhatIsNotAnID(_ text: String) {
        #expect(ResourceID(parsing: text) == nil)
    }

    @Test func idsThatCompareEqualHaveTheSameKeyBytes() {
        let spellings = [("v\u{130}\u{325}", "vi\u{325}\u{307}"), ("caf\u{e9}", "cafe\u{301}"), ("Grp(1)", "grp(1)"), ("\u{1E9E}", "\u{DF}")]
        for (one, other) in spellings {
            let first = ResourceID(subscription: "s", resourceGroup: one), second = ResourceID(subscription: "s", resourceGroup: other)
            if first == second { #expect(Array(first.key.utf8) == Array(second.key.utf8), "\(one) / \(other)") }
            #expect(Array(one.nameKey.utf8) == Array(one.nameKey.nameKey.utf8), "the key of a key is itself")
        }
        #expect(ResourceID(subscription: "s", resourceGroup: "v\u{130}\u{325}") == ResourceID(subscription: "s", resourceGroup: "vi\u{325}\u{307}"))
    }
}
