import KuraAPI
import Foundation
import KuraCore
import KuraDirectory
import KuraManagement
import KuraRegistry
import KuraServer
import Testing

/// `Microsoft.Authorization/roleAssignments` and `roleDefinitions` at every scope.
@Suite struct RoleAssignmentTests {
    static func body(_ role: String, _ principal: String) -> JSONValue {
        ["properties": ["roleDefinitionId": .string("/subscriptions/\(ManagementHarness.subscription)/providers/Microsoft.Authorization/roleDefinitions/\(role)"),
                        "principalId": .string(principal), "principalType": "ServicePrincipal"]]
    }

    @Test func assignmentsAreCreatedListedAndDeletedAtEveryScope() async throws {
        try await ManagementHarness.run { arm in
            try await arm.makeGroup()
            let principal = try await arm.makeStranger()
            let registry = arm.registry("default", in: "kura")
            let name = UUID().uuidString.lowercased()
            let path = "\(registry)/providers/Microsoft.Authorization/roleAssignments/\(name)"
            let created = try await arm.send("PUT", path, Self.body(RoleDefinition.acrPull.id, principal), apiVersion: "2022-04-01")
            #expect(created.status == 201)
            #expect(created.body?["properties"]?["scope"]?.stringValue == registry)
            #expect(created.body?["id"]?.stringValue == path)
            let again = try await arm.send("PUT", path, Self.body(RoleDefinition.acrPull.id, principal), apiVersion: "2022-04-01")
            #expect(again.status == 200)
            let duplicate = try await arm.error("PUT", "\(registry)/providers/Microsoft.Authorization/roleAssignments/\(UUID().uuidString)",
                                                Self.body(RoleDefinition.acrPull.id, principal), apiVersion: "2022-04-01")
            #expect(duplicate?.code == "RoleAssignmentExists" && duplicate?.status == 409)
            try await arm.assign(.reader, to: principal, at: arm.group("rg"))
            try await arm.assign(.reader, to: principal, at: arm.sub)

            func names(_ scope: String, _ filter: String? = nil) async throws -> [String] {
                let reply = try await arm.send("GET", "\(scope)/providers/Microsoft.Authorization/roleAssignments", apiVersion: "2022-04-01",
                                               query: filter.map { ["$filter": $0] } ?? [:])
                return reply.body!["value"]!.arrayValue!.filter { $0["properties"]?["principalId"]?.stringValue == principal }
                    .compactMap { $0["properties"]?["scope"]?.stringValue }
            }
            #expect(try await names(registry, "atScope()").sorted() == [arm.sub, registry].sorted(), "atScope(): at and above")
            #expect(try await names(arm.sub).count == 3, "no filter: at, above and below")
            #expect(try await names(arm.sub, "principalId eq '\(principal)'").count == 3)
            let got = try await arm.send("GET", path, apiVersion: "2022-04-01").body!
            #expect(got["properties"]?["roleDefinitionId"]?.stringValue?.hasSuffix(RoleDefinition.acrPull.id) == true)
            #expect(try await arm.error("GET", "\(arm.group("rg"))/providers/Microsoft.Authorization/roleAssignments/\(name)",
                                        apiVersion: "2022-04-01")?.code == "RoleAssignmentNotFound", "an assignment is found at its own scope only")
            #expect(try await arm.send("DELETE", path, apiVersion: "2022-04-01").status == 200)
            #expect(try await arm.send("DELETE", path, apiVersion: "2022-04-01").status == 204)
        }
    }

    @Test func badAssignmentsAreRefusedWithAzuresCodes() async throws {
        try await ManagementHarness.run { arm in
            let principal = try await arm.makeStranger()
            let scope = "\(arm.sub)/providers/Microsoft.Authorization/roleAssignments"
            #expect(try await arm.error("PUT", "\(scope)/not-a-guid", Self.body(RoleDefinition.reader.id, principal),
                                        apiVersion: "2022-04-01")?.code == "InvalidRoleAssignmentId")
            #expect(try await arm.error("PUT", "\(scope)/\(UUID().uuidString)", Self.body(UUID().uuidString, principal),
                                        apiVersion: "2022-04-01")?.code == "RoleDefinitionDoesNotExist")
            let unknown = try await arm.error("PUT", "\(scope)/\(UUID().uuidString)", Self.body(RoleDefinition.reader.id, UUID().uuidString),
                                              apiVersion: "2022-04-01")
            #expect(unknown?.code == "PrincipalNotFound" && unknown?.message.contains(ManagementHarness.tenant) == true)
            let missingScope = try await arm.error("PUT", "\(arm.registry("nosuchreg", in: "kura"))/providers/Microsoft.Authorization/roleAssignments/\(UUID().uuidString)",
                                                   Self.body(RoleDefinition.acrPull.id, principal), apiVersion: "2022-04-01")
            #expect(missingScope?.code == "ResourceNotFound")
        }
    }

    @Test func builtInRoleDefinitionsAreFoundByName() async throws {
        try await ManagementHarness.run { arm in
            let path = "\(arm.registry("default", in: "kura"))/providers/Microsoft.Authorization/roleDefinitions"
            let found = try await arm.send("GET", path, apiVersion: "2022-04-01", query: ["$filter": "roleName eq 'AcrPull'"]).body!
            let only = try #require(found["value"]?.arrayValue?.first)
            #expect(found["value"]?.arrayValue?.count == 1)
            #expect(only["name"] == "7f951dda-4ed3-4680-a7ca-43fe172d538d")
            #expect(only["properties"]?["roleName"] == "AcrPull" && only["properties"]?["type"] == "BuiltInRole")
            let all = try await arm.send("GET", path, apiVersion: "2022-04-01").body!
            let names = Set(all["value"]?.arrayValue?.compactMap { $0["properties"]?["roleName"]?.stringValue } ?? [])
            #expect(names.isSuperset(of: ["Owner", "Contributor", "Reader", "AcrPull", "AcrPush", "AcrDelete"]))
            let byID = try await arm.send("GET", "\(path)/\(RoleDefinition.acrPush.id)", apiVersion: "2022-04-01").body!
            #expect(byID["properties"]?["roleName"] == "AcrPush")
        }
    }

    @Test func theBootstrapAdminIsOwnerOfTheSubscription() async throws {
        try await ManagementHarness.run { arm in
            let grants = try await arm.planes.access.grants(of: ManagementHarness.owner)
            #expect(grants.roles(at: ResourceID(subscription: ManagementHarness.subscription)) == [.owner])
        }
    }
}
