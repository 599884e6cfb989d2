-- guichet adds its own searchers to `require`; for a module it knows nothing
-- of, the "not found" message must be exactly lua5.4's.
print(pcall(require, "no_such_module"))
print(pcall(require, "no.such.module"))
print(#package.searchers >= 4, type(package.path), type(package.cpath))
require "no_such_module_either"
