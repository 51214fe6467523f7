import Crypto
import Foundation
import KuraCrypto
@testable import KuraKeyVault
import Testing

@Suite struct KeyMaterialSealerTests {
    @Test func sealedMaterialOpensOnlyForItsVaultKeyAndVersion() throws {
        let sealer = KeyMaterialSealer(hierarchy: KeyHierarchy(rootKey: SymmetricKey(size: .bits256)))
        let material = try KeyMaterial.generate(.ec(.p256))
        let sealed = try sealer.seal(material, vault: "KV1", key: "Key", version: "v1")
        #expect(try sealer.open(sealed, vault: "kv1", key: "key", version: "v1").privateBytes == material.privateBytes)
        #expect(!Data(sealed).contains(Data(material.privateBytes)))
        for (vault, key, version) in [("kv2", "key", "v1"), ("kv1", "other", "v1"), ("kv1", "key", "v2")] {
            #expect(throws: KeyVaultError.self) { try sealer.open(sealed, vault: vault, key: key, version: version) }
        }
        var flipped = sealed
        flipped[20] ^= 1
        #expect(throws: KeyVaultError.self) { try sealer.open(flipped, vault: "kv1", key: "key", version: "v1") }
        let otherRoot = KeyMaterialSealer(hierarchy: KeyHierarchy(rootKey: SymmetricKey(size: .bits256)))
        #expect(throws: KeyVaultError.self) { try otherRoot.open(sealed, vault: "kv1", key: "key", version: "v1") }
    }
}
