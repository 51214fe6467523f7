import KuraCore
import KuraDirectory
import KuraStorage
import Testing

@Suite struct RoleDefinitionTests {
    @Test func actionsMatchAsARMPatterns() {
        #expect(RoleDefinition.owner.allows(action: "Microsoft.Authorization/roleAssignments/write"))
        #expect(RoleDefinition.contributor.allows(action: "Microsoft.KeyVault/vaults/write"))
        #expect(!RoleDefinition.contributor.allows(action: "Microsoft.Authorization/roleAssignments/write"))
        #expect(RoleDefinition.reader.allows(action: "Microsoft.ContainerRegistry/registries/read"))
        #expect(!RoleDefinition.reader.allows(action: "Microsoft.ContainerRegistry/registries/write"))
        #expect(RoleDefinition.keyVaultCryptoServiceEncryptionUser.allows(dataAction: "Microsoft.KeyVault/vaults/keys/unwrap/action"))
        #expect(!RoleDefinition.keyVaultCryptoServiceEncryptionUser.allows(dataAction: "Microsoft.KeyVault/vaults/keys/delete"))
        #expect(RoleDefinition.keyVaultCryptoOfficer.allows(dataAction: "microsoft.keyvault/vaults/KEYS/delete"))
    }

    @Test func builtInRolesCarryAzuresIDs() {
        #expect(RoleDefinition.builtIn(named: "acrpull")?.id == "7f951dda-4ed3-4680-a7ca-43fe172d538d")
        #expect(RoleDefinition.builtIn(id: "8E3AF657-A8FF-443C-A75C-2FE8C4BCB635") == .owner)
        #expect(RoleDefinition.builtIn(named: "Nope") == nil)
    }

    @Test func grantsHoldAtTheirScopeAndBelowOnly() throws {
        let group = ResourceID(subscription: "s", resourceGroup: "rg")
        let registry = ResourceID.resource(subscription: "s", resourceGroup: "rg", type: "Microsoft.ContainerRegistry/registries", name: "r1")
        let grants = PrincipalGrants(assignments: [
            RoleAssignmentRecord(name: "a", scope: group, roleDefinitionID: RoleDefinition.reader.id, principalID: "p",
                                 principalType: "ServicePrincipal", createdBy: "x", createdAt: 0),
            RoleAssignmentRecord(name: "b", scope: registry, roleDefinitionID: RoleDefinition.acrPush.id, principalID: "p",
                                 principalType: "ServicePrincipal", createdBy: "x", createdAt: 0),
        ])
        #expect(grants.roles(at: registry) == [.reader, .acrPush])
        #expect(grants.roles(at: group) == [.reader])
        #expect(grants.roles(at: ResourceID(subscription: "s")).isEmpty)
        #expect(grants.roles(at: ResourceID(subscription: "s", resourceGroup: "other")).isEmpty)
        #expect(grants.allows(action: "Microsoft.ContainerRegistry/registries/push/write", at: registry))
        #expect(!grants.allows(action: "Microsoft.ContainerRegistry/registries/write", at: registry))
    }
}
