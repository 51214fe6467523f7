import KuraAPI
import Foundation
import KuraCore
import KuraDirectory
import KuraManagement
import KuraRegistry
import KuraServer
import KuraStorage
import NIOCore
import Testing

/// ARM's shared conventions, through ManagementAPI on a real SQLite store.
@Suite struct ManagementAPITests {
    /// A resource is answered through its `KuraAPI` model: a member the model lacks (here planted in
    /// the stored document, as an older server or a hand edit would leave it) is not served.
    @Test func resourcesAreServedThroughTheirWireModel() async throws {
        try await ManagementHarness.run { arm in
            try await arm.makeGroup()
            _ = try await arm.makeIdentity("id1")
            let id = try #require(ResourceID(parsing: arm.identity("id1")))
            let stored = try #require(try await arm.planes.stores.management.resource(id: id))
            var planted = stored
            planted.document["legacy"] = "x"
            planted.document["properties"]?["legacyToo"] = 1
            #expect(try await arm.planes.stores.management.replaceResource(planted, expected: stored))
            let shown = try await arm.send("GET", arm.identity("id1"), apiVersion: "2025-05-31-preview").body!
            #expect(shown["legacy"] == nil && shown["properties"]?["legacyToo"] == nil)
            #expect(try shown.decoded(as: UserAssignedIdentity.self).properties.clientId == stored.document["properties"]?["clientId"]?.stringValue)
            let listed = try await arm.send("GET", "\(arm.group("rg"))/providers/Microsoft.ManagedIdentity/userAssignedIdentities",
                                            apiVersion: "2025-05-31-preview").body!
            #expect(listed["value"]?.arrayValue?.first?["legacy"] == nil)
        }
    }

    @Test func apiVersionIsRequiredAndValidatedPerType() async throws {
        try await ManagementHarness.run { arm in
            let missing = try await arm.error("PUT", arm.group("rg"), ["location": "eastus"], apiVersion: nil)
            #expect(missing?.code == "MissingApiVersionParameter" && missing?.status == 400)
            let invalid = try await arm.error("PUT", arm.group("rg"), ["location": "eastus"], apiVersion: "1999-01-01")
            #expect(invalid?.code == "InvalidApiVersionParameter" && invalid?.message.contains("2024-11-01") == true)
            try await arm.makeGroup()
            let vaultVersion = try await arm.error("GET", arm.vault("kv1"), apiVersion: "2024-11-30")
            #expect(vaultVersion?.code == "InvalidApiVersionParameter")
        }
    }

    @Test func putCreatesWith201ReplacesWith200AndNamesMatchWithoutCase() async throws {
        try await ManagementHarness.run { arm in
            let created = try await arm.send("PUT", arm.group("MyGroup"), ["location": "eastus", "tags": ["team": "a"]])
            #expect(created.status == 201)
            let replaced = try await arm.send("PUT", arm.group("mygroup"), ["location": "eastus"])
            #expect(replaced.status == 200)
            let shown = try await arm.send("GET", arm.group("MYGROUP")).body!
            #expect(shown["name"] == "MyGroup")
            #expect(shown["id"]?.stringValue == "/subscriptions/\(ManagementHarness.subscription)/resourceGroups/MyGroup")
            #expect(shown["tags"]?["team"] == "a", "a PUT without tags keeps them")
            #expect(shown["properties"]?["provisioningState"] == "Succeeded")
            let moved = try await arm.error("PUT", arm.group("MyGroup"), ["location": "westeurope"])
            #expect(moved?.code == "InvalidResourceLocation")
            let patched = try await arm.send("PATCH", arm.group("MyGroup"), ["tags": ["team": "b"]]).body!
            #expect(patched["tags"]?["team"] == "b" && patched["location"] == "eastus")
        }
    }

    @Test func aNameIsOneResourceHoweverItsCharactersAreSpelled() async throws {
        try await ManagementHarness.run { arm in
            // `İ` lower-cases to `i` + U+0307, out of canonical order before U+0325: keys compared as
            // text (roles) and as bytes (the stores) must still agree.
            #expect(try await arm.send("PUT", arm.group("v\u{130}\u{325}"), ["location": "eastus"]).status == 201)
            #expect(try await arm.send("PUT", arm.group("vi\u{325}\u{307}"), ["location": "eastus"]).status == 200)
            #expect(try await arm.send("PUT", arm.group("caf\u{e9}"), ["location": "eastus"]).status == 201)
            #expect(try await arm.send("PUT", arm.group("cafe\u{301}"), ["location": "eastus"]).status == 200, "NFD is the same group")
            let names = (try await arm.send("GET", "/subscriptions/\(ManagementHarness.subscription)/resourcegroups").body?["value"]?.arrayValue ?? [])
                .compactMap { $0["name"]?.stringValue?.nameKey }
            #expect(names.filter { $0 == "v\u{130}\u{325}".nameKey }.count == 1 && names.filter { $0 == "caf\u{e9}".nameKey }.count == 1)
            // A joiner or a combining mark alone is not a name character; lengths count UTF-16 units.
            #expect(try await arm.error("PUT", arm.group("a\u{200D}b"), ["location": "eastus"])?.code == "InvalidResourceGroup")
            #expect(try await arm.error("PUT", arm.group("e" + String(repeating: "\u{301}", count: 100)), ["location": "eastus"])?.code
                    == "InvalidResourceGroup")
        }
    }

    @Test func missingGroupsAndResourcesAreARMErrors() async throws {
        try await ManagementHarness.run { arm in
            #expect(try await arm.error("GET", arm.group("nope"))?.code == "ResourceGroupNotFound")
            let inMissingGroup = try await arm.error("PUT", arm.identity("id1", in: "nope"), ["location": "eastus"],
                                                     apiVersion: "2024-11-30")
            #expect(inMissingGroup?.code == "ResourceGroupNotFound" && inMissingGroup?.status == 404)
            try await arm.makeGroup()
            let missing = try await arm.error("GET", arm.identity("id1"), apiVersion: "2024-11-30")
            #expect(missing?.code == "ResourceNotFound" && missing?.message.contains("userAssignedIdentities/id1") == true)
            #expect(try await arm.send("DELETE", arm.identity("id1"), apiVersion: "2024-11-30").status == 204)
            #expect(try await arm.error("GET", "\(arm.group("rg"))/providers/Microsoft.Nope/things/x")?.code == "NoRegisteredProviderFound")
            let badBody = try await arm.error("PUT", arm.group("rg2"), nil)
            #expect(badBody?.code == "InvalidRequestContent")
        }
    }

    @Test func listsPageWithNextLink() async throws {
        try await ManagementHarness.run(pageSize: 2) { arm in
            for name in ["a1", "b2", "c3"] { try await arm.makeGroup(name) }
            let first = try await arm.send("GET", "\(arm.sub)/resourcegroups").body!
            #expect(first["value"]?.arrayValue?.count == 2)
            let next = try #require(first["nextLink"]?.stringValue)
            #expect(next.hasPrefix("https://localhost:8443/subscriptions/") && next.contains("$skiptoken=2"))
            let second = try await arm.send("GET", "\(arm.sub)/resourcegroups", query: ["$skiptoken": "2"]).body!
            #expect(second["nextLink"] == nil)
            let names = (first["value"]!.arrayValue! + second["value"]!.arrayValue!).compactMap { $0["name"]?.stringValue }
            #expect(names.sorted() == ["a1", "b2", "c3", "kura"])
        }
    }

    @Test func genericListFiltersByResourceType() async throws {
        try await ManagementHarness.run { arm in
            try await arm.makeGroup()
            try await arm.makeIdentity("ident1")
            let registries = try await arm.send("GET", "\(arm.sub)/resources",
                                                query: ["$filter": "resourceType eq 'microsoft.containerregistry/registries'"]).body!
            #expect(registries["value"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["default"])
            let all = try await arm.send("GET", "\(arm.group("rg"))/resources").body!
            #expect(all["value"]?.arrayValue?.compactMap { $0["type"]?.stringValue } == [UserAssignedIdentityProvider.type])
        }
    }

    @Test func deletingAGroupDeletesWhatIsInIt() async throws {
        try await ManagementHarness.run { arm in
            try await arm.makeGroup()
            let identity = try await arm.makeIdentity("ident1")
            try await arm.makeVault("kvgone1", protected: false)
            try await arm.send("PUT", arm.registry("regingroup1"), ["location": "eastus", "sku": ["name": "Basic"]], apiVersion: "2026-09-01-preview")
            let registry = try #require(try await arm.provisioner.registry(named: "regingroup1"))
            _ = try await arm.blobs.store.put(BlobPath("registries", registry.id, "marker"), body: ByteStream(buffers: [ByteBuffer(string: "x")]))
            #expect(try await arm.send("DELETE", arm.group("rg")).status == 200)
            #expect(try await arm.error("GET", arm.group("rg"))?.code == "ResourceGroupNotFound")
            #expect(try await arm.provisioner.registry(named: "regingroup1") == nil)
            #expect(try await arm.blobs.store.list(prefix: BlobPath("registries", registry.id)).isEmpty)
            #expect(try await arm.directory.principal(objectID: identity["properties"]!["principalId"]!.stringValue!) == nil)
            let deleted = try await arm.send("GET", "\(arm.sub)/providers/Microsoft.KeyVault/deletedVaults", apiVersion: "2026-02-01").body!
            #expect(deleted["value"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["kvgone1"])
        }
    }

    @Test func writesNeedOwnerOrContributorAndReadsNeedAnyRole() async throws {
        try await ManagementHarness.run { arm in
            try await arm.makeGroup()
            let stranger = try await arm.makeStranger()
            let refused = try await arm.error("PUT", arm.group("strangers"), ["location": "eastus"], as: stranger)
            #expect(refused?.status == 403 && refused?.code == "AuthorizationFailed")
            #expect(refused?.message.contains("Microsoft.Resources/subscriptions/resourceGroups/write") == true)
            #expect(try await arm.error("GET", arm.group("rg"), as: stranger)?.code == "AuthorizationFailed")

            try await arm.makeGroup("visible")
            try await arm.assign(.reader, to: stranger, at: arm.group("visible"))
            #expect(try await arm.error("GET", arm.group("visible"), as: stranger) == nil)
            #expect(try await arm.error("PUT", arm.group("visible"), ["location": "eastus"], as: stranger)?.code == "AuthorizationFailed")
            let listed = try await arm.send("GET", "\(arm.sub)/resourcegroups", as: stranger).body!
            #expect(listed["value"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["visible"], "lists show only what the caller may read")

            try await arm.assign(.contributor, to: stranger, at: arm.group("visible"))
            #expect(try await arm.error("PUT", arm.identity("mine", in: "visible"), ["location": "eastus"], apiVersion: "2024-11-30",
                                        as: stranger) == nil)
            let assignment = try await arm.error("PUT", "\(arm.group("visible"))/providers/Microsoft.Authorization/roleAssignments/\(UUID().uuidString)",
                                                 ["properties": ["roleDefinitionId": .string(RoleDefinition.owner.id), "principalId": .string(stranger)]],
                                                 apiVersion: "2022-04-01", as: stranger)
            #expect(assignment?.code == "AuthorizationFailed", "Contributor cannot assign roles")
        }
    }
}
