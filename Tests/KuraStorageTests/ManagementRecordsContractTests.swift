import Foundation
import KuraCore
import KuraStorage
import KuraTestSupport
import Testing

/// The ARM-resource and role-assignment part of the metadata contract, on SQLite and PostgreSQL.
@Suite struct ManagementRecordsContractTests {
    typealias Backend = MetadataStoreContractTests.Backend

    static func vault(_ name: String, group: String = "RG", document: JSONValue = ["properties": ["v": 1]]) -> ResourceRecord {
        ResourceRecord(id: .resource(subscription: "sub", resourceGroup: group, type: "Microsoft.KeyVault/vaults", name: name),
                       document: document, createdAt: 1, updatedAt: 1)
    }

    @Test(arguments: Backend.allCases)
    func resourcesAreFoundWithoutCaseAndKeepTheirFirstID(_ backend: Backend) async throws {
        try await MetadataStoreContractTests.withStore(backend) { (store: SQLMetadataStore, _: MetadataStoreContractTests.Scratch) async throws in
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

    @Test(arguments: Backend.allCases)
    func roleAssignmentsAreUniquePerScopeRoleAndPrincipal(_ backend: Backend) async throws {
        try await MetadataStoreContractTests.withStore(backend) { (store: SQLMetadataStore, _: MetadataStoreContractTests.Scratch) async throws in
            let scope = ResourceID(subscription: "sub", resourceGroup: "RG")
            func assignment(_ name: String, principal: String = "p1", role: String = "r1", scope: ResourceID = scope) -> RoleAssignmentRecord {
                RoleAssignmentRecord(name: name, scope: scope, roleDefinitionID: role, principalID: principal, principalType: "ServicePrincipal",
                                     createdBy: "admin", createdAt: Int64(name.count))
            }
            try await store.insertRoleAssignment(assignment("a"))
            await #expect(throws: MetadataStoreError.self) { try await store.insertRoleAssignment(assignment("a", principal: "p2")) }
            await #expect(throws: MetadataStoreError.self) {
                try await store.insertRoleAssignment(assignment("b", scope: ResourceID(subscription: "SUB", resourceGroup: "rg")))
            }
            try await store.insertRoleAssignment(assignment("bb", role: "r2"))
            try await store.insertRoleAssignment(assignment("ccc", principal: "P2"))
            #expect(try await store.roleAssignments(principalID: "p1").map(\.name) == ["a", "bb"])
            #expect(try await store.roleAssignments(principalID: nil).count == 3)
            #expect(try await store.roleAssignment(name: "CCC")?.principalID == "p2")
            #expect(try await store.roleAssignment(name: "a")?.scope.description == "/subscriptions/sub/resourceGroups/RG")
            #expect(try await store.deleteRoleAssignment(name: "A"))
            #expect(!(try await store.deleteRoleAssignment(name: "a")))
        }
    }
}
