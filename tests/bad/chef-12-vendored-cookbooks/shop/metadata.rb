name 'shop'
version '1.0.0'
depends 'hostname'
