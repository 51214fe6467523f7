import KuraCore
import KuraDirectory
import KuraStorage
import KuraTestSupport
import Testing

/// Principals and role assignments. One contract, three implementations: every test runs against
/// `MemoryDirectoryStore`, and `SQLMetadataStore` on SQLite and on PostgreSQL.
@Suite struct DirectoryStoreContractTests {
    typealias Store = any DirectoryStore

    static func withStore(_ backend: StoreBackend, _ body: (Store) async throws -> Void) async throws {
        try await StoreContract.with(backend, memory: { MemoryDirectoryStore() }, sql: { $0 }, body)
    }

    @Test(arguments: StoreBackend.allCases)
    func usersAreUniqueByTheirNameWithoutCase(_ backend: StoreBackend) async throws {
        try await Self.withStore(backend) { (store: Store) async throws in
            let alice = PrincipalRecord(objectID: "u-1", appID: "u-1", displayName: "Alice", kind: .user, secretHash: "scrypt$15$8$1$s$h",
                                        createdAt: 10, userPrincipalName: "Alice@Contoso.com")
            try await store.insertPrincipal(alice)
            #expect(try await store.principal(userPrincipalName: "alice@contoso.COM") == alice, "found without case, kept as given")
            #expect(try await store.principal(userPrincipalName: "bob@contoso.com") == nil)
            let twin = PrincipalRecord(objectID: "u-2", appID: "u-2", displayName: "Alice 2", kind: .user, secretHash: nil, createdAt: 20,
                                       userPrincipalName: "ALICE@contoso.com")
            let error = await #expect(throws: StoreError.self) { try await store.insertPrincipal(twin) }
            #expect(error?.code == .conflict)
            // Principals without a name do not collide on it.
            for index in 3...4 {
                try await store.insertPrincipal(PrincipalRecord(objectID: "o-\(index)", appID: "a-\(index)", displayName: "sp", kind: .servicePrincipal,
                                                                secretHash: nil, createdAt: Int64(index)))
            }
            #expect(try await store.principals().count == 3)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func principalsAreUniqueByObjectAndAppID(_ backend: StoreBackend) async throws {
        try await Self.withStore(backend) { (store: Store) async throws in
            let admin = PrincipalRecord(objectID: "o-1", appID: "a-1", displayName: "admin", kind: .servicePrincipal,
                                        secretHash: "sha256$x$y", createdAt: 10)
            let identity = PrincipalRecord(objectID: "o-2", appID: "a-2", displayName: "id", kind: .managedIdentity,
                                           secretHash: nil, createdAt: 20)
            try await store.insertPrincipal(admin)
            try await store.insertPrincipal(identity)
            #expect(try await store.principal(appID: "a-1") == admin)
            #expect(try await store.principal(objectID: "o-2") == identity)
            #expect(try await store.principal(appID: "missing") == nil)
            #expect(try await store.principals() == [admin, identity])

            var sameApp = identity
            sameApp.objectID = "o-3"
            sameApp.appID = "a-1"
            let error = await #expect(throws: StoreError.self) { try await store.insertPrincipal(sameApp) }
            #expect(error?.code == .conflict)
            var sameObject = admin
            sameObject.appID = "a-9"
            await #expect(throws: StoreError.self) { try await store.insertPrincipal(sameObject) }
            #expect(try await store.principals().count == 2)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func roleAssignmentsAreUniquePerScopeRoleAndPrincipal(_ backend: StoreBackend) async throws {
        try await Self.withStore(backend) { (store: Store) async throws in
            let scope = ResourceID(subscription: "sub", resourceGroup: "RG")
            func assignment(_ name: String, principal: String = "p1", role: String = "r1", scope: ResourceID = scope) -> RoleAssignmentRecord {
                RoleAssignmentRecord(name: name, scope: scope, roleDefinitionID: role, principalID: principal, principalType: "ServicePrincipal",
                                     createdBy: "admin", createdAt: Int64(name.count))
            }
            try await store.insertRoleAssignment(assignment("a"))
            await #expect(throws: StoreError.self) { try await store.insertRoleAssignment(assignment("a", principal: "p2")) }
            await #expect(throws: StoreError.self) {
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
