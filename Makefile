# Thin targets: each calls swift or a script in scripts/.
.PHONY: run test bench build demo-warehouse blocks-demo descriptors clean

DEMO_WAREHOUSE ?= demo/warehouse.sqlite
STAFF ?= 2000
STUDENTS ?= 3000

build:
	scripts/deps.sh build
	swift build

# The nightly job on the embedded default: a generated SQLite warehouse in, zips in ./out/.
run: build
	@test -f $(DEMO_WAREHOUSE) || swift run --skip-build demo-warehouse --staff $(STAFF) --students $(STUDENTS) --output $(DEMO_WAREHOUSE)
	swift run --skip-build patronload --warehouse sqlite:$(DEMO_WAREHOUSE) --output-dir out

demo-warehouse: build
	swift run --skip-build demo-warehouse --staff $(STAFF) --students $(STUDENTS) --output $(DEMO_WAREHOUSE)

# patronblocks beside the FOLIO simulator, and a full synchronization to watch.
blocks-demo:
	scripts/deps.sh build
	scripts/blocks-demo.sh

# patronblocks' ModuleDescriptor and DeploymentDescriptor for Okapi, in target/.
descriptors:
	scripts/descriptors.sh

# Every test, with the services they need installed and started.
test:
	scripts/test.sh

bench:
	scripts/bench.sh

clean:
	rm -rf .build out demo bench-data target patronblocks.sqlite*
