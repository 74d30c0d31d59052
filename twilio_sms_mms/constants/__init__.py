"""Names and limits shared by the plugin's modules."""
