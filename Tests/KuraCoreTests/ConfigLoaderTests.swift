import KuraCore
import Testing

@Suite struct ConfigLoaderTests {
    @Test func defaultsMatchTheDesign() throws {
        let config = try ConfigLoader.load(yaml: nil, environment: [:], overrides: [])
        #expect(config.port == 8443)
        #expect(config.listenAddresses == ["127.0.0.1", "::1"])
        #expect(config.mainHost == "localhost")
        #expect(config.vaultSuffix == "vault.localhost")
        #expect(config.registrySuffix == "cr.localhost")
        #expect(config.metadataBackend == .sqlite)
        #expect(config.keyCheckInterval == .seconds(30))
        #expect(config.keyUnavailableGrace == .seconds(300))
        #expect(config.logLevel == "info")
    }

    @Test func flagsWinOverEnvironmentWhichWinsOverTheFile() throws {
        let yaml = """
            server:
              port: 9000
              listen: [127.0.0.1]
            keys:
              checkInterval: 10s
            log:
              level: debug
            """
        let fileOnly = try ConfigLoader.load(yaml: yaml, environment: [:], overrides: [])
        #expect(fileOnly.port == 9000)
        #expect(fileOnly.listenAddresses == ["127.0.0.1"])
        #expect(fileOnly.keyCheckInterval == .seconds(10))

        let withEnvironment = try ConfigLoader.load(yaml: yaml, environment: ["KURA_SERVER_PORT": "9100", "KURA_LOG_LEVEL": "error"],
                                                     overrides: [])
        #expect(withEnvironment.port == 9100)
        #expect(withEnvironment.logLevel == "error")

        let withFlags = try ConfigLoader.load(yaml: yaml, environment: ["KURA_SERVER_PORT": "9100"],
                                              overrides: [("server.port", "9200"), ("keys.unavailableGrace", "2m")])
        #expect(withFlags.port == 9200)
        #expect(withFlags.keyUnavailableGrace == .seconds(120))
        #expect(withFlags.logLevel == "debug")
    }

    @Test func unknownKeysAreNamed() {
        let error = #expect(throws: ConfigError.self) {
            try ConfigLoader.load(yaml: "server:\n  prot: 1\n", source: "/etc/kura.yaml", environment: [:], overrides: [])
        }
        #expect(error?.message.contains("'server.prot'") == true)
        #expect(error?.message.contains("/etc/kura.yaml") == true)

        let flagError = #expect(throws: ConfigError.self) {
            try ConfigLoader.load(yaml: nil, environment: [:], overrides: [("storage.blob.path", "/x")])
        }
        #expect(flagError?.message.contains("'storage.blob.path'") == true)
    }

    @Test func badValuesNameKeyAndSource() {
        let error = #expect(throws: ConfigError.self) {
            try ConfigLoader.load(yaml: nil, environment: ["KURA_KEYS_CHECK_INTERVAL": "soon"], overrides: [])
        }
        #expect(error?.message.contains("keys.checkInterval") == true)
        #expect(error?.message.contains("KURA_KEYS_CHECK_INTERVAL") == true)
        #expect(throws: ConfigError.self) { try ConfigLoader.load(yaml: "server:\n  port: 70000\n", environment: [:], overrides: []) }
        #expect(throws: ConfigError.self) { try ConfigLoader.load(yaml: "- just\n- a list\n", environment: [:], overrides: []) }
        #expect(throws: ConfigError.self) { try ConfigLoader.load(yaml: "server: [", environment: [:], overrides: []) }
        #expect(throws: ConfigError.self) {
            try ConfigLoader.load(yaml: nil, environment: [:], overrides: [("storage.metadata.backend", "postgres")])
        }
    }

    @Test func renderedConfigLoadsBackToTheSameConfig() throws {
        let config = try ConfigLoader.load(yaml: nil, environment: [:], overrides: [
            ("server.port", "8555"), ("storage.metadata.backend", "postgres"),
            ("storage.metadata.url", "postgres://u:p@127.0.0.1:5432/db"), ("keys.checkInterval", "1500ms"),
        ])
        let rendered = ConfigLoader.render(config)
        #expect(rendered.contains("port: 8555"))
        #expect(!rendered.contains("u:p@"), "the password is redacted")
        #expect(rendered.contains("u:***@"))
        var reloaded = try ConfigLoader.load(yaml: rendered, environment: [:], overrides: [
            ("storage.metadata.url", "postgres://u:p@127.0.0.1:5432/db"),
        ])
        reloaded.metadataURL = config.metadataURL
        #expect(reloaded == config)
    }

    @Test func environmentNamesDeriveFromKeys() {
        #expect(ConfigSetting.named("keys.checkInterval")?.environmentName == "KURA_KEYS_CHECK_INTERVAL")
        #expect(ConfigSetting.named("hosts.vaultSuffix")?.environmentName == "KURA_HOSTS_VAULT_SUFFIX")
        #expect(ConfigSetting.named("server.port")?.environmentName == "KURA_SERVER_PORT")
    }

    @Test func durations() {
        #expect(Duration(configValue: "250ms") == .milliseconds(250))
        #expect(Duration(configValue: "5m") == .seconds(300))
        #expect(Duration(configValue: "2h") == .seconds(7200))
        #expect(Duration(configValue: "45") == .seconds(45))
        #expect(Duration(configValue: "-1s") == nil)
        #expect(Duration(configValue: "fast") == nil)
        #expect(Duration.seconds(300).configValue == "5m")
        #expect(Duration.milliseconds(1500).configValue == "1500ms")
    }
}
