"""Source adapters: each turns one vendor's export into files of the canonical export
contract (docs/export-contract.md), which the ingestion assets then load like any other
inbox file. Adapters never write the warehouse; they only translate files.
"""
