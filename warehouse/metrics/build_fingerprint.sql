-- the fingerprint of the models and macros that built this warehouse
select fingerprint from build_info
