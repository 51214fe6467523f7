import KuraAPI
import Foundation
import KuraCore
import KuraTestSupport
import Testing

/// Fuzz (issue 13 §7): ARM and Key Vault request bodies and `--query` documents go through `JSONValue(parsing:)`. Random
/// and mutated bodies parse or throw; what parses serialises to JSON that parses back equal.
@Suite struct JSONValueFuzzTests {
    static let seeds: [String] = [
        #"{"location":"eastus","tags":{"env":"prod"},"sku":{"name":"Premium"},"identity":{"type":"UserAssigned","userAssignedIdentities":{"/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1":{}}},"properties":{"adminUserEnabled":true,"anonymousPullEnabled":false,"encryption":{"status":"enabled","keyVaultProperties":{"keyIdentifier":"https://kv1.vault.localhost:8443/keys/k/0123456789abcdef","identity":"00000000-0000-0000-0000-000000000000"}},"policies":{"retentionPolicy":{"days":7,"status":"enabled"}}}}"#,
        #"{"location":"eastus","properties":{"tenantId":"22222222-2222-2222-2222-222222222222","sku":{"family":"A","name":"standard"},"accessPolicies":[{"tenantId":"22222222-2222-2222-2222-222222222222","objectId":"33333333-3333-3333-3333-333333333333","permissions":{"keys":["get","wrapKey","unwrapKey"],"secrets":[]}}],"softDeleteRetentionInDays":90,"enablePurgeProtection":true,"enableRbacAuthorization":false}}"#,
        #"{"properties":{"roleDefinitionId":"/subscriptions/11111111-1111-1111-1111-111111111111/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c","principalId":"33333333-3333-3333-3333-333333333333","principalType":"ServicePrincipal"}}"#,
        #"{"kty":"RSA","key_size":2048,"key_ops":["wrapKey","unwrapKey"],"attributes":{"enabled":true,"exp":1893456000,"nbf":-1},"tags":{}}"#,
        #"{"alg":"RSA-OAEP-256","value":"c2VjcmV0LWtleS1ieXRlcw"}"#,
        #"{"ids":["33333333-3333-3333-3333-333333333333"],"types":["servicePrincipal"]}"#,
        #"[1,-1,0.5,1e3,-0,1.0,9223372036854775807,-9223372036854775808,18446744073709551616,1.7976931348623157e308,5e-324,"\u00e9\ud83d\ude00\n\"\\\/",null,true,false,[],{}]"#,
        #""just a string""#, "42", "null", "[]", "{}", "1.5e-7",
        #"{"a":[1,-1,0.5,1e3,-0,9223372036854775807,-9223372036854775808,18446744073709551616],"b":{"c":"\u00e9\ud83d\ude00\n\"\\\/"},"a":null}"#,
    ]

    @Test func armBodiesParseOrThrowAndRoundTrip() {
        var fuzz = FuzzRun("ARM JSON body (JSONValue(parsing:))", seed: 0xA2_4D)
        let seeds = Self.seeds.map { Array($0.utf8) }
        for _ in 0..<fuzz.cases {
            let body = fuzz.bytes(seeds: seeds, maxLength: 1024)
            fuzz.trace(String(decoding: body, as: UTF8.self))
            guard let value = try? JSONValue(parsing: body) else { fuzz.reject(); continue }
            fuzz.accept()
            let text = value.serialized()
            let again = try? JSONValue(parsing: text)
            fuzz.check(again == value,
                       "\(FuzzRun.quoted(String(decoding: body, as: UTF8.self))) serialises to \(FuzzRun.quoted(String(decoding: text, as: UTF8.self))), which does not parse back equal")
        }
        print(fuzz.summary)
        #expect(fuzz.failureCount == 0, "\(fuzz.failures.joined(separator: "\n"))")
    }

    /// Nesting deeper than the decoder allows is an error, never a stack overflow; what it allows decodes.
    @Test(arguments: [64, 500, 511, 512, 513, 100_000])
    func deepNestingThrowsOrParses(depth: Int) {
        let arrays = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        _ = try? JSONValue(parsing: Array(arrays.utf8))
        let objects = String(repeating: #"{"a":"#, count: depth) + "1" + String(repeating: "}", count: depth)
        _ = try? JSONValue(parsing: Array(objects.utf8))
    }
}
