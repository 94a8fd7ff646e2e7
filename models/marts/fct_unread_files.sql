-- Every file and folder under the raw directory that the raw-directory contract does not read
-- (landing lists them: mileage/landing.py unread_paths), so an extra roster or a misspelt
-- folder is accounted and shown, never silently ignored. Hidden (dot) files are not listed.
select
    source_file as path,
    cast(files as {{ dbt.type_bigint() }}) as files,
    cast(bytes as {{ dbt.type_bigint() }}) as bytes,
    reason,
    near_miss
from {{ source('landing', 'unread_files') }}
