import KuraAPI
import KuraCore
import KuraManagement
import KuraStorage
import KuraTestSupport
import Testing

/// ARM resources. One contract, three implementations: every test runs against
/// `MemoryManagementStore`, and `SQLMetadataStore` on SQLite and on PostgreSQL.
@Suite struct ManagementStoreContractTests {
    typealias Store = any ManagementStore

    static func withStore(_ backend: StoreBackend, _ body: (Store) async throws -> Void) async throws {
        try await StoreContract.with(backend, memory: { MemoryManagementStore() }, sql: { $0 }, body)
    }

    static func vault(_ name: String, group: String = "RG", document: JSONValue = ["properties": ["v": 1]]) -> ResourceRecord {
        ResourceRecord(id: .resource(subscription: "sub", resourceGroup: group, type: "Microsoft.KeyVault/vaults", name: name),
                       document: document, createdAt: 1, updatedAt: 1)
    }

    @Test(arguments: StoreBackend.allCases)
    func resourcesAreFoundWithoutCaseAndKeepTheirFirstID(_ backend: StoreBackend) async throws {
        try await Self.withStore(backend) { (store: Store) async throws in
            try await store.putResource(Self.vault("KvOne"))
            var replaced = Self.vault("kvone", group: "rg", document: ["properties": ["v": 2]])
            replaced.updatedAt = 5
            try await store.putResource(replaced)
            let found = try #require(try await store.resource(id: Self.vault("KVONE", group: "rg").id))
            #expect(found.id.description.hasSuffix("resourceGroups/RG/providers/Microsoft.KeyVault/vaults/KvOne"))
            #expect(found.document["properties"]?["v"] == 2 && found.updatedAt == 5 && found.createdAt == 1)

            try await store.putResource(Self.vault("kvtwo", group: "Other"))
            try await store.putResource(ResourceRecord(id: ResourceID(subscription: "sub", resourceGroup: "RG"), document: [:], createdAt: 1, updatedAt: 1))
            #expect(try await store.resources(type: "microsoft.keyvault/VAULTS", subscription: "SUB", resourceGroup: nil).map(\.id.name)
                    == ["kvtwo", "KvOne"], "ordered by id: group other before rg")
            #expect(try await store.resources(type: nil, subscription: "sub", resourceGroup: "rg").count == 2, "the group and its vault")
            #expect(try await store.resources(type: "Microsoft.KeyVault/vaults", named: "KVTWO").map(\.id.resourceGroup) == ["Other"])
            #expect(try await store.deleteResource(id: Self.vault("kvone").id))
            #expect(!(try await store.deleteResource(id: Self.vault("kvone").id)))
            #expect(try await store.resource(id: Self.vault("kvone").id) == nil)
        }
    }
}
