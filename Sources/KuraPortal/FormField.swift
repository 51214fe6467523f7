// kura — a self-hosted encrypted container registry.
// FormField: which refusals concern which field of the portal's forms — one table for every form.

/// A form field and the refusals that concern it: the planes' codes that always do, and words
/// that do when the refusal's own text (its quoted values left out) uses them.
struct FormField: Sendable {
    /// The field's name in the form (and in the model's `errors`).
    let name: String
    var codes: [String] = []
    var words: [String] = []

    static let group = FormField(name: "group", codes: ["ResourceGroupNotFound", "InvalidResourceGroup"])
    /// A resource group's own name, on the group form.
    static let groupName = FormField(name: "name", codes: ["InvalidResourceGroup"], words: ["name"])
    static let location = FormField(name: "location", codes: ["LocationRequired", "InvalidLocation", "LocationNotAvailableForResourceType"],
                                    words: ["location"])
    /// A resource's name (identity, vault, registry, deployment).
    static let name = FormField(name: "name", codes: ["InvalidResourceName", "AlreadyInUse", "VaultNameNotValid", "VaultAlreadyExists",
                                                      "ConflictError", "InvalidDeployment"], words: ["name"])
    static let retention = FormField(name: "retention", words: ["softDeleteRetention", "retain"])
    static let purgeProtection = FormField(name: "purgeProtection", codes: ["PurgeProtectionCannotBeDisabled"], words: ["purge protection"])
    static let sku = FormField(name: "sku", codes: ["CmkRequiresPremiumSku"], words: ["sku"])
    static let identity = FormField(name: "identity", codes: ["InvalidIdentity", "InvalidEncryptionIdentity"], words: ["identity"])
    static let keyIdentifier = FormField(name: "keyId", codes: ["InvalidKeyIdentifier", "KeyVaultNotFound", "KeyVaultUnavailable",
                                                                "KeyVaultHostNotAllowed", "KeyVaultPurgeProtectionRequired",
                                                                "CustomerKeyNotUsable", "KeyNotFound"], words: ["key identifier", "key URL"])
    // A key's form.
    static let keyName = FormField(name: "name", words: ["key name", "already exists"])
    static let keySize = FormField(name: "size", words: ["key size", "key_size"])
    static let curve = FormField(name: "curve", words: ["crv", "curve"])
    static let keyType = FormField(name: "kty", words: ["kty", "key type"])
    static let jwk = FormField(name: "jwk", words: ["JWK", "key size"])
}
